import { awsTelemetry } from '../../lambdas/handlers/shared/lambda-init';
export const t = awsTelemetry('x');
