/**
 * The outbound client's defaults, where a provider definition sets none (data only: CDK checks function
 * timeouts against them).
 */
export const CLIENT_DEFAULTS = {
  attemptMs: 8_000,
  callMs: 60_000,
  safetyMarginMs: 2_000,
  baseMs: 200,
  capMs: 20_000,
  attempts: 4,
  rateLimitWaits: 5,
  minRateLimitWaitMs: 5_000,
  concurrency: 8,
} as const;
