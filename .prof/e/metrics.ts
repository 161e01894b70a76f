import { Metrics } from '@aws-lambda-powertools/metrics';
export const m = new Metrics({ namespace: 'x', serviceName: 'x' });
