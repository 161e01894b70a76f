import { describe, expect, it } from 'vitest';
import { rateLimitState } from '../../../lambdas/core/client/rate-limit-headers';
import { TokenBucket } from '../../../lambdas/core/client/token-bucket';
import type { Time } from '../../../lambdas/core/client/time';
import { trello, TRELLO_INSTANCES, TRELLO_TOKEN_LIMIT } from '../../../lambdas/providers/trello';

/** A clock the test moves by hand; the buckets only read it. */
function clock(start = 0): Time & { t: number } {
  const c = {
    t: start,
    now: () => c.t,
    sleep: async () => undefined,
    random: () => 0.5,
    timeout: () => new AbortController().signal,
  };
  return c;
}

/** When a writer instance with a backlog would send each request between `from` and `to`: as early as its own bucket allows. */
function greedy(from: number, to: number): number[] {
  const time = clock(from);
  const bucket = new TokenBucket(time, trello.rateLimit);
  const sends: number[] = [];
  for (;;) {
    const at = bucket.reserve();
    if (at >= to) return sends;
    sends.push(at);
  }
}

/** The most sends in any window of Trello's length. */
function busiestWindow(sends: number[]): number {
  const sorted = [...sends].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[i]! - sorted[j]! >= TRELLO_TOKEN_LIMIT.windowMs) j += 1;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('Trello rate limit: every writer instance together stays under the token limit (100 requests per 10 s)', () => {
  it('two instances with a backlog, one of them replaced by a fresh instance (full bucket) mid-window', () => {
    expect(TRELLO_INSTANCES).toBe(2);
    const a = greedy(0, 60_000);
    // The second instance stops at 25 s and a new one (a cold start) takes its place at once.
    const b = [...greedy(0, 25_000), ...greedy(25_000, 60_000)];
    const most = busiestWindow([...a, ...b]);
    expect(most).toBeLessThanOrEqual(TRELLO_TOKEN_LIMIT.requests);
    // ...while still using most of it.
    expect(most).toBeGreaterThanOrEqual(0.8 * TRELLO_TOKEN_LIMIT.requests);
  });

  it("caps an instance at the count Trello reports left (x-rate-limit-api-token-remaining), which the other instance's requests lower", () => {
    const time = clock(0);
    const bucket = new TokenBucket(time, trello.rateLimit);
    const headers = {
      'x-rate-limit-api-token-interval-ms': '10000',
      'x-rate-limit-api-token-max': '100',
      'x-rate-limit-api-token-remaining': '1',
    };
    expect(bucket.reserve()).toBe(0);
    bucket.observe(rateLimitState(headers, time.now(), trello.rateLimit!.headers));
    expect(bucket.reserve()).toBe(0);
    bucket.observe(
      rateLimitState({ ...headers, 'x-rate-limit-api-token-remaining': '0' }, time.now(), trello.rateLimit!.headers),
    );
    // None left: the next request waits for the bucket to refill (no reset time in Trello's headers).
    expect(bucket.reserve()).toBe(Math.ceil(1000 / trello.rateLimit!.requestsPerSecond));
  });
});
