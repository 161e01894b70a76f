import type { RateLimitState } from './rate-limit-headers';
import type { Time } from './time';

/**
 * Client-side rate shaping for one provider: a token bucket at the definition's rate that also
 * follows what the provider reports (remaining requests, reset time, Retry-After), so steady-state
 * syncs wait before a 429 instead of after it. Hand-written: cockatiel has no rate limiter, and
 * no well-kept limiter on npm takes its pace from response headers.
 *
 * @example
 * const bucket = new TokenBucket(time, { requestsPerSecond: 20, burst: 20 });
 * const sendAt = bucket.reserve();             // epoch ms when this request may go
 * bucket.observe(rateLimitState(res.headers, time.now()));
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private pausedUntil = 0;
  private readonly rate?: number;
  private readonly burst: number;

  constructor(
    private readonly time: Time,
    limit?: { requestsPerSecond: number; burst?: number },
  ) {
    this.rate = limit && limit.requestsPerSecond > 0 ? limit.requestsPerSecond : undefined;
    this.burst = Math.max(1, limit?.burst ?? Math.ceil(this.rate ?? 1));
    this.tokens = this.burst;
    this.updatedAt = time.now();
  }

  private refill(now: number): void {
    if (this.rate === undefined) return;
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
    this.updatedAt = now;
  }

  /** Takes one token and returns when the request may be sent (epoch ms); queued reservations go negative. */
  reserve(): number {
    const now = this.time.now();
    this.refill(now);
    let at = Math.max(now, this.pausedUntil);
    if (this.rate !== undefined) {
      this.tokens -= 1;
      if (this.tokens < 0) at = Math.max(at, now + Math.ceil((-this.tokens / this.rate) * 1000));
    }
    return at;
  }

  /** Returns a reservation that will not be used (its wait passed the call's deadline). */
  release(): void {
    if (this.rate !== undefined) this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  /** Holds every caller until `at` (a 429's Retry-After, or an exhausted window's reset). */
  pauseUntil(at: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, at);
  }

  /** When the bucket next lets a request through, if it is paused (epoch ms). */
  resumeAt(): number | undefined {
    return this.pausedUntil > this.time.now() ? this.pausedUntil : undefined;
  }

  /** Follows the provider's own count: never more tokens than it says remain; none left pauses until reset. */
  observe(state: RateLimitState): void {
    if (state.remaining === undefined) return;
    this.refill(this.time.now());
    if (state.remaining <= 0) {
      if (state.resetAt !== undefined) this.pauseUntil(state.resetAt);
      this.tokens = Math.min(this.tokens, 0);
    } else {
      this.tokens = Math.min(this.tokens, state.remaining);
    }
  }
}
