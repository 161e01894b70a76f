import { isServerError, isThrottlingError, isTransientError, StandardRetryStrategy } from '@smithy/core/retry';
import { SignatureV4 } from '@smithy/signature-v4';
export const x = [isServerError, isThrottlingError, isTransientError, new StandardRetryStrategy(3), SignatureV4];
