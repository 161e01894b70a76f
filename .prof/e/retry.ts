import { isServerError, isThrottlingError, isTransientError, StandardRetryStrategy } from '@smithy/core/retry';
export const x = [isServerError, isThrottlingError, isTransientError, new StandardRetryStrategy(3)];
