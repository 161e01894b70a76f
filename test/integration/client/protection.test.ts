import { afterEach, describe, expect, it } from 'vitest';
import { clientRig, ctx, type ClientRig } from '../../helpers/client-setup';

let rig: ClientRig;
afterEach(async () => rig?.close());

const get = (path = '/v1/items/rec_000001') => rig.client.request({ path }, ctx);

describe('circuit breaker per provider', () => {
  it('opens after consecutive failures, fails fast, then half-opens with one probe that closes it', async () => {
    rig = await clientRig({
      syncDate: true,
      definition: { retry: { attempts: 1 }, circuitBreaker: { consecutiveFailures: 3, halfOpenAfterMs: 10_000 } },
    });
    rig.sim.faults.add({ kind: 'status', status: 503 }, { times: 3 });
    for (let i = 0; i < 3; i += 1) expect(!(await get()).ok).toBe(true);
    expect(rig.client.circuitState()).toBe('open');
    const fast = await get();
    expect(!fast.ok && fast.error.kind).toBe('circuit_open');
    expect(rig.sim.log()).toHaveLength(3);
    rig.time.advance(10_001);
    expect((await get()).ok).toBe(true);
    expect(rig.client.circuitState()).toBe('closed');
    expect(rig.events.filter((e) => e.type === 'circuit').map((e) => e.type === 'circuit' && e.state)).toEqual([
      'open',
      'half-open',
      'closed',
    ]);
  });

  it('reopens when the probe fails', async () => {
    rig = await clientRig({
      syncDate: true,
      definition: { retry: { attempts: 1 }, circuitBreaker: { consecutiveFailures: 2, halfOpenAfterMs: 5_000 } },
    });
    rig.sim.faults.add({ kind: 'status', status: 500 }, { times: 3 });
    await get();
    await get();
    rig.time.advance(5_001);
    expect(!(await get()).ok).toBe(true);
    expect(rig.client.circuitState()).toBe('open');
    const fast = await get();
    expect(!fast.ok && fast.error.kind).toBe('circuit_open');
    expect(rig.sim.log()).toHaveLength(3);
  });

  it('opens on a failure rate even without a long run of consecutive failures', async () => {
    rig = await clientRig({
      syncDate: true,
      definition: {
        retry: { attempts: 1 },
        circuitBreaker: { consecutiveFailures: 100, failureRate: 0.5, window: 10, minimumCalls: 10 },
      },
    });
    // two of every three calls fail; the rate is judged on the failure that completes the window of 10
    for (let i = 0; i < 11; i += 1) {
      if (i % 3 !== 0) rig.sim.faults.add({ kind: 'status', status: 502 });
      await get();
    }
    expect(rig.client.circuitState()).toBe('open');
  });

  it('does not count 4xx or 429 against the provider', async () => {
    rig = await clientRig({
      syncDate: true,
      definition: { retry: { attempts: 1, rateLimitWaits: 0 }, circuitBreaker: { consecutiveFailures: 2 } },
    });
    rig.sim.faults
      .add({ kind: 'status', status: 404 }, { times: 3 })
      .add({ kind: 'status', status: 429 }, { times: 3 });
    for (let i = 0; i < 6; i += 1) await get();
    expect(rig.client.circuitState()).toBe('closed');
  });
});

describe('bulkhead per provider', () => {
  it('keeps at most `concurrency` calls in flight and queues the rest', async () => {
    rig = await clientRig({ definition: { concurrency: 2 } });
    let inFlight = 0;
    let peak = 0;
    rig.sim.route('GET', '/v1/slow', async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 15));
      inFlight -= 1;
      return { body: { ok: true } };
    });
    const results = await Promise.all(Array.from({ length: 6 }, () => get('/v1/slow')));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(peak).toBe(2);
  });
});

describe('client-side rate shaping', () => {
  it('paces requests at the definition rate', async () => {
    rig = await clientRig({ definition: { rateLimit: { requestsPerSecond: 10, burst: 1 } } });
    for (let i = 0; i < 5; i += 1) await get();
    expect(rig.time.sleeps).toEqual([100, 100, 100, 100]);
  });

  it.each(['x-ratelimit', 'x-ratelimit-delta', 'draft'] as const)(
    'follows %s headers so a steady sync gets no 429',
    async (headers) => {
      rig = await clientRig();
      rig.sim.faults.update({ rateLimit: { limit: 5, windowMs: 1000, headers } });
      for (let i = 0; i < 23; i += 1) expect((await get()).ok).toBe(true);
      expect(rig.sim.log().filter((r) => r.status === 429)).toHaveLength(0);
      expect(rig.time.sleeps.length).toBeGreaterThanOrEqual(4);
    },
  );

  it('without headers to follow, recovers from the 429s by Retry-After', async () => {
    rig = await clientRig();
    rig.sim.faults.update({ rateLimit: { limit: 5, windowMs: 1000, headers: 'none' } });
    for (let i = 0; i < 12; i += 1) expect((await get()).ok).toBe(true);
    expect(rig.sim.log().filter((r) => r.status === 429).length).toBeGreaterThan(0);
  });
});
