import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_HEADER_WAIT_MS, retryAfterMs } from '../../../lambdas/core/client/retry-after';
import { rateLimitState, resetAt } from '../../../lambdas/core/client/rate-limit-headers';
import { backoffMs } from '../../../lambdas/core/client/backoff';

const now = Date.UTC(2025, 0, 6, 12, 0, 0);

describe('Retry-After (RFC 9110 10.2.3)', () => {
  it('reads delay-seconds', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('0', now)).toBe(0);
  });

  it('reads an HTTP-date, and a date in the past means now', () => {
    expect(retryAfterMs('Mon, 06 Jan 2025 12:00:30 GMT', now)).toBe(30_000);
    // RFC 9110's example date, long past.
    expect(retryAfterMs('Fri, 31 Dec 1999 23:59:59 GMT', now)).toBe(0);
  });

  it("reads all three HTTP-date formats as GMT, asctime's zoneless one too, whatever the local zone", () => {
    const tz = process.env.TZ;
    // Node reads TZ anew when it changes: Date.parse of a zoneless date would now be New York time.
    process.env.TZ = 'America/New_York';
    try {
      const at = Date.UTC(1994, 10, 6, 8, 49, 37);
      // RFC 9110 5.6.7's examples: IMF-fixdate, obsolete RFC 850, and ANSI C's asctime().
      for (const date of [
        'Sun, 06 Nov 1994 08:49:37 GMT',
        'Sunday, 06-Nov-94 08:49:37 GMT',
        'Sun Nov  6 08:49:37 1994',
      ]) {
        expect(retryAfterMs(date, at - 5000)).toBe(5000);
      }
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('ignores what it cannot read', () => {
    for (const v of [undefined, '', 'soon', '-5', '1e3', '12abc']) expect(retryAfterMs(v, now)).toBeUndefined();
  });

  it('never yields a negative or unbounded wait', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.nat().map(String),
          fc.double().map(String),
          fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
        ),
        fc.integer({ min: 0, max: 4e12 }),
        (value, at) => {
          const ms = retryAfterMs(value, at);
          return ms === undefined || (Number.isFinite(ms) && ms >= 0 && ms <= MAX_HEADER_WAIT_MS);
        },
      ),
    );
  });
});

describe('rate-limit headers', () => {
  it('reads X-RateLimit-Reset as epoch seconds (GitHub) or seconds from now', () => {
    expect(rateLimitState({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 42) }, now)).toEqual(
      { remaining: 0, resetAt: now + 42_000 },
    );
    expect(rateLimitState({ 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '42' }, now)).toEqual({
      remaining: 3,
      resetAt: now + 42_000,
    });
    expect(resetAt(now + 5000, now)).toBe(now + 5000); // epoch ms
  });

  it('reads the IETF draft fields: RateLimit r/t (draft 07+), the limit/remaining/reset dictionary, and the split fields', () => {
    expect(
      rateLimitState({ ratelimit: '"default";r=50;t=30', 'ratelimit-policy': '"default";q=100;w=60' }, now),
    ).toEqual({ remaining: 50, resetAt: now + 30_000 });
    expect(rateLimitState({ ratelimit: '"burst";r=40;t=1, "daily";r=5;t=3600' }, now)).toEqual({
      remaining: 5,
      resetAt: now + 3_600_000,
    });
    expect(rateLimitState({ ratelimit: 'limit=10, remaining=2, reset=4' }, now)).toEqual({
      limit: 10,
      remaining: 2,
      resetAt: now + 4000,
    });
    expect(
      rateLimitState({ 'ratelimit-limit': '10', 'ratelimit-remaining': '1', 'ratelimit-reset': '7' }, now),
    ).toEqual({ limit: 10, remaining: 1, resetAt: now + 7000 });
  });

  it('reads provider-specific names from the definition', () => {
    const names = { remaining: 'X-Requests-Left', reset: 'X-Quota-Reset', resetUnit: 'epoch-ms' as const };
    expect(rateLimitState({ 'x-requests-left': '9', 'x-quota-reset': String(now + 1500) }, now, names)).toEqual({
      remaining: 9,
      resetAt: now + 1500,
    });
  });

  it('never yields a reset before now or unboundedly far', () => {
    const headerValue = fc.oneof(
      fc.string(),
      fc.integer().map(String),
      fc.double({ noNaN: false }).map(String),
      fc.constant('-1'),
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            'x-ratelimit-reset': headerValue,
            'x-ratelimit-remaining': headerValue,
            ratelimit: headerValue,
            'ratelimit-reset': headerValue,
          },
          { requiredKeys: [] },
        ),
        fc.integer({ min: 0, max: 4e12 }),
        fc.constantFrom('auto', 'delta-seconds', 'epoch-seconds', 'epoch-ms') as fc.Arbitrary<'auto'>,
        (headers, at, unit) => {
          const s = rateLimitState(headers as Record<string, string>, at, { resetUnit: unit });
          const resetOk =
            s.resetAt === undefined ||
            (Number.isFinite(s.resetAt) && s.resetAt >= at && s.resetAt - at <= MAX_HEADER_WAIT_MS);
          const remainingOk = s.remaining === undefined || s.remaining >= 0;
          return resetOk && remainingOk;
        },
      ),
    );
  });
});

describe('backoff with full jitter', () => {
  it('grows exponentially from the base and never passes the cap', () => {
    const opts = { baseMs: 200, capMs: 20_000 };
    expect(backoffMs(1, opts, () => 0.999999)).toBe(199);
    expect(backoffMs(3, opts, () => 0.5)).toBe(400);
    expect(backoffMs(20, opts, () => 0.999999)).toBeLessThan(20_000);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (retry, r) => {
        const ms = backoffMs(retry, opts, () => r);
        return ms >= 0 && ms <= 20_000;
      }),
    );
  });
});
