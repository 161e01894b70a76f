import { describe, expect, it } from 'vitest';
import {
  callDeadline,
  mayRetry,
  nextStep,
  NO_RETRIES_YET,
  refusal,
  retryLimits,
  type AttemptFacts,
  type RetryState,
} from '../../../lambdas/core/client/retry-policy';
import { CLIENT_DEFAULTS } from '../../../lambdas/core/client/defaults';

const now = Date.UTC(2025, 0, 6, 12, 0, 0);
const limits = retryLimits({});
const clock = { now, deadline: now + 60_000, random: () => 0.5 };
const step = (f: AttemptFacts, state: RetryState = NO_RETRIES_YET, retry = true, c = clock) =>
  nextStep(f, state, limits, c, retry);
const tooMany429 = { outcome: 'rate_limited', kind: 'rate_limited', status: 429 } as const;
const http503 = { outcome: 'retryable', kind: 'retryable', status: 503, headers: {} } as const;

describe('retry policy: a 429 waits what the provider says', () => {
  it('waits Retry-After seconds on a 429', () => {
    expect(step({ ...tooMany429, headers: { 'retry-after': '7' } })).toMatchObject({
      next: 'retry',
      waitMs: 7000,
      resumeAt: now + 7000,
      kind: 'rate_limited',
      state: { rateWaits: 1 },
    });
  });

  it('waits until a Retry-After date', () => {
    const at = new Date(now + 12_000).toUTCString();
    expect(step({ ...tooMany429, headers: { 'retry-after': at } })).toMatchObject({ next: 'retry', waitMs: 12_000 });
  });

  it('waits for X-RateLimit-Reset when there is no Retry-After', () => {
    const reset = String(Math.floor((now + 9000) / 1000));
    expect(step({ ...tooMany429, headers: { 'x-ratelimit-reset': reset } })).toMatchObject({ waitMs: 9000 });
  });

  it("reads a provider's own reset header named in its definition", () => {
    const own = retryLimits({ rateLimit: { requestsPerSecond: 10, headers: { reset: 'x-calls-reset' } } });
    const s = nextStep({ ...tooMany429, headers: { 'x-calls-reset': '3' } }, NO_RETRIES_YET, own, clock, true);
    expect(s).toMatchObject({ next: 'retry', waitMs: 3000 });
  });

  it('waits until the resume time a provider hook read from the body (GitHub 403 with its reset header)', () => {
    const facts = { outcome: 'rate_limited', kind: 'rate_limited', status: 403, headers: {}, resumeAt: now + 42_000 };
    expect(step(facts as AttemptFacts)).toMatchObject({ next: 'retry', waitMs: 42_000, resumeAt: now + 42_000 });
  });

  it('prefers the hook over Retry-After, and Retry-After over a reset header', () => {
    const headers = { 'retry-after': '5', 'x-ratelimit-reset': String(Math.floor((now + 9000) / 1000)) };
    expect(step({ ...tooMany429, headers, resumeAt: now + 1000 })).toMatchObject({ waitMs: 1000 });
    expect(step({ ...tooMany429, headers })).toMatchObject({ waitMs: 5000 });
  });

  it('waits a floor that doubles on each repeat when a 429 names no time, up to 8 times the floor', () => {
    const waits = [0, 1, 2, 3, 4].map((rateWaits) => {
      const s = step({ ...tooMany429, headers: {} }, { ...NO_RETRIES_YET, rateWaits });
      return s.next === 'retry' ? s.waitMs : undefined;
    });
    const floor = CLIENT_DEFAULTS.minRateLimitWaitMs;
    expect(waits).toEqual([floor, 2 * floor, 4 * floor, 8 * floor, 8 * floor]);
  });

  it('returns rate_limited with resumeAt when the wait would pass the deadline', () => {
    const s = step({ ...tooMany429, headers: { 'retry-after': '600' } });
    expect(s).toEqual({ next: 'give_up', kind: 'rate_limited', resumeAt: now + 600_000, state: NO_RETRIES_YET });
  });

  it('gives up rate limited once the call has waited its rateLimitWaits', () => {
    const s = step({ ...tooMany429, headers: { 'retry-after': '1' } }, { ...NO_RETRIES_YET, rateWaits: 5 });
    expect(s).toMatchObject({ next: 'give_up', kind: 'rate_limited', resumeAt: now + 1000 });
  });

  it('never waits out a spent quota, and holds every later call until it resets', () => {
    const facts = { outcome: 'rate_limited', kind: 'quota_exhausted', headers: {}, resumeAt: now + 3_600_000 } as const;
    expect(step(facts)).toEqual({
      next: 'give_up',
      kind: 'quota_exhausted',
      resumeAt: now + 3_600_000,
      quotaUntil: now + 3_600_000,
      state: NO_RETRIES_YET,
    });
  });
});

describe('retry policy: transient failures back off with full jitter', () => {
  it('backs off after a 503 within [0, base]', () => {
    expect(step(http503)).toMatchObject({ next: 'retry', waitMs: 100, kind: 'retryable', state: { transient: 1 } });
    expect(step(http503, NO_RETRIES_YET, true, { ...clock, random: () => 0.999 })).toMatchObject({ waitMs: 199 });
  });

  it('doubles the backoff ceiling per retry, capped', () => {
    const s = step(http503, { ...NO_RETRIES_YET, transient: 2 }, true, { ...clock, random: () => 1 });
    expect(s).toMatchObject({ waitMs: 800 });
  });

  it('waits at least Retry-After on a 503 that sends one', () => {
    expect(step({ ...http503, headers: { 'retry-after': '3' } })).toMatchObject({ waitMs: 3000 });
  });

  it('retries timeouts and connection resets the same way', () => {
    expect(step({ outcome: 'timeout', kind: 'timeout', headers: {} })).toMatchObject({
      next: 'retry',
      kind: 'timeout',
    });
    expect(step({ outcome: 'network', kind: 'retryable', headers: {} })).toMatchObject({ next: 'retry' });
  });

  it('gives up after the attempts of the definition, with the kind of the last attempt', () => {
    const s = step(http503, { ...NO_RETRIES_YET, transient: limits.attempts - 1 });
    expect(s).toEqual({ next: 'give_up', kind: 'retryable', state: { ...NO_RETRIES_YET, transient: limits.attempts } });
  });

  it('gives up rather than back off past the deadline', () => {
    expect(step(http503, NO_RETRIES_YET, true, { ...clock, deadline: now + 50 })).toMatchObject({ next: 'give_up' });
  });

  it('retries a non-JSON 5xx once, and never a non-JSON 2xx', () => {
    const html502 = { outcome: 'malformed', kind: 'malformed_response', status: 502, headers: {} } as const;
    const first = step(html502);
    expect(first).toMatchObject({ next: 'retry', state: { transient: 1, malformed: 1 } });
    if (first.next !== 'retry') return;
    expect(step(html502, first.state)).toMatchObject({ next: 'give_up', kind: 'malformed_response' });
    expect(step({ ...html502, status: 200 })).toMatchObject({ next: 'give_up', kind: 'malformed_response' });
  });
});

describe('retry policy: a POST is sent again only with an idempotency key', () => {
  it('sends idempotent methods again, and POST or PATCH only with a key', () => {
    for (const m of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']) expect(mayRetry(m, false)).toBe(true);
    expect(mayRetry('POST', false)).toBe(false);
    expect(mayRetry('PATCH', false)).toBe(false);
    expect(mayRetry('POST', true)).toBe(true);
  });

  it('gives up at once on a 503 or a 429 of a call that may not be sent twice', () => {
    expect(step(http503, NO_RETRIES_YET, false)).toMatchObject({ next: 'give_up', kind: 'retryable' });
    expect(step({ ...tooMany429, headers: { 'retry-after': '1' } }, NO_RETRIES_YET, false)).toMatchObject({
      next: 'give_up',
      kind: 'rate_limited',
      resumeAt: now + 1000,
    });
  });
});

describe('retry policy: everything else ends the call', () => {
  it('is done on success', () => {
    expect(step({ outcome: 'ok', headers: {} })).toEqual({ next: 'done' });
  });

  it('gives up on a permanent 4xx', () => {
    expect(step({ outcome: 'permanent', kind: 'permanent', status: 404, headers: {} })).toMatchObject({
      next: 'give_up',
      kind: 'permanent',
    });
  });

  it('renews an OAuth token once after a 401, at once, whatever the method', () => {
    const unauthorized = { outcome: 'auth', kind: 'auth', status: 401, headers: {}, tokenRefreshable: true } as const;
    const first = step(unauthorized, NO_RETRIES_YET, false);
    expect(first).toMatchObject({ next: 'retry', waitMs: 0, refreshToken: true, state: { refreshed: true } });
    if (first.next !== 'retry') return;
    expect(step(unauthorized, first.state)).toMatchObject({ next: 'give_up', kind: 'auth' });
    expect(step({ ...unauthorized, tokenRefreshable: false })).toMatchObject({ next: 'give_up', kind: 'auth' });
  });
});

describe('retry policy: before an attempt', () => {
  it('cuts the call to the caller remaining time less the safety margin', () => {
    expect(callDeadline(now, { callMs: 60_000, safetyMarginMs: 2000 }, () => 30_000)).toBe(now + 28_000);
    expect(callDeadline(now, { callMs: 60_000, safetyMarginMs: 2000 })).toBe(now + 60_000);
  });

  it('sends nothing past the deadline, nor while a daily quota is spent', () => {
    expect(refusal(now, now, 0)).toEqual({ kind: 'timeout', message: 'no time left before the deadline' });
    expect(refusal(now, now + 1000, now + 5000, 'x-ratelimit-requests-remaining')).toEqual({
      kind: 'quota_exhausted',
      message: 'daily request quota spent (x-ratelimit-requests-remaining: 0), not sending until 00:00 UTC',
      resumeAt: now + 5000,
    });
    expect(refusal(now, now + 1000, now)).toBeUndefined();
  });
});
