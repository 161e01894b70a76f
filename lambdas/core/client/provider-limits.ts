import type { ProviderDefinition } from '../provider';
import { nextUtcMidnight, rateLimitState } from './rate-limit-headers';
import type { Time } from './time';
import { TokenBucket } from './token-bucket';

/**
 * What a client knows of its provider's limits, shared by all its calls: the token bucket that paces
 * requests, and a spent daily quota that holds every call until it resets.
 *
 * @example
 * const limits = new ProviderLimits(time, def.rateLimit);
 * limits.observe(res.headers, time.now()); // follows remaining requests, resets and a daily quota
 */
export class ProviderLimits {
  readonly bucket: TokenBucket;
  /** A spent daily quota: no call is sent before this (epoch ms). */
  quotaUntil = 0;

  constructor(
    time: Time,
    private readonly spec?: ProviderDefinition['rateLimit'],
  ) {
    this.bucket = new TokenBucket(time, spec);
  }

  /** Follows what a response says of the limits: the window's remaining requests, and a daily quota's. */
  observe(headers: Record<string, string>, now: number): void {
    const names = this.spec?.headers;
    const state = rateLimitState(headers, now, names);
    // None left and no reset named (API-Football's per-minute limit): hold calls for the window, not a 200 ms refill.
    if (state.remaining === 0 && state.resetAt === undefined && names?.windowMs) state.resetAt = now + names.windowMs;
    this.bucket.observe(state);
    const daily = names?.dailyRemaining ? headers[names.dailyRemaining.toLowerCase()] : undefined;
    if (daily !== undefined && /^\s*-?\d+\s*$/.test(daily) && Number(daily) <= 0)
      this.quotaUntil = nextUtcMidnight(now);
  }

  /** Holds later calls: until a rate limit's `resumeAt`, and every call until a spent quota's `quotaUntil`. */
  hold(resumeAt?: number, quotaUntil?: number): void {
    if (resumeAt !== undefined) this.bucket.pauseUntil(resumeAt);
    if (quotaUntil !== undefined) this.quotaUntil = Math.max(this.quotaUntil, quotaUntil);
  }
}
