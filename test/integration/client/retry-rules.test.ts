import { afterEach, describe, expect, it } from 'vitest';
import { clientRig, ctx, type ClientRig } from '../../helpers/client-setup';

let rig: ClientRig;
afterEach(async () => rig?.close());

const get = (path = '/v1/items/rec_000001') => rig.client.request({ path }, ctx);

describe('429: wait what the provider says', () => {
  it('retries a 429 after the Retry-After seconds', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'status', status: 429, retryAfter: { seconds: 7 } });
    const res = await get();
    expect(res.ok).toBe(true);
    expect(rig.time.sleeps).toEqual([7000]);
    expect(rig.attempts().map((a) => a.status)).toEqual([429, 200]);
  });

  it('retries a 429 after the Retry-After date', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'status', status: 429, retryAfter: { seconds: 12, as: 'date' } });
    expect((await get()).ok).toBe(true);
    expect(rig.sim.log()[0]!.status).toBe(429);
    expect(rig.time.sleeps).toEqual([12_000]);
  });

  it('waits for X-RateLimit-Reset (epoch seconds) when there is no Retry-After', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'status', status: 429, reset: { seconds: 9, as: 'epoch' } });
    expect((await get()).ok).toBe(true);
    expect(rig.time.sleeps).toEqual([9000]);
  });

  it('waits for the RateLimit draft field reset', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'status', status: 429, reset: { seconds: 4, as: 'draft' } });
    expect((await get()).ok).toBe(true);
    expect(rig.time.sleeps).toEqual([4000]);
  });

  it('reads a provider-specific reset header named in the definition', async () => {
    rig = await clientRig({
      definition: {
        rateLimit: {
          requestsPerSecond: 100,
          headers: { remaining: 'x-calls-left', reset: 'x-calls-reset', resetUnit: 'delta-seconds' },
        },
      },
    });
    rig.sim.faults.add({ kind: 'status', status: 429, headers: { 'x-calls-left': '0', 'x-calls-reset': '3' } });
    expect((await get()).ok).toBe(true);
    expect(rig.time.sleeps.at(-1)).toBe(3000);
  });

  it('returns rate_limited with the time to resume when the wait would pass the deadline', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'status', status: 429, retryAfter: { seconds: 600 } });
    const started = rig.time.now();
    const res = await rig.client.request({ path: '/v1/items/rec_000001' }, { traceId: 't', remainingMs: () => 30_000 });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.kind).toBe('rate_limited');
    expect(res.error.resumeAt).toBe(started + 600_000);
    expect(res.error.attempts).toBe(1);
    expect(res.error.status).toBe(429);
    expect(rig.time.sleeps).toEqual([]);
    expect(rig.sim.log()).toHaveLength(1);
  });

  it('waits at least a few seconds after a 429 that names no time, doubling on each repeat', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'status', status: 429 }, { times: 2 });
    expect((await get()).ok).toBe(true);
    expect(rig.time.sleeps).toEqual([5000, 10_000]);
  });

  it('takes the floor after a hint-less 429 from the definition, and stops at the deadline with the time to resume', async () => {
    rig = await clientRig({ definition: { retry: { minRateLimitWaitMs: 20_000 } } });
    rig.sim.faults.add({ kind: 'status', status: 429 }, { times: 5 });
    const started = rig.time.now();
    const res = await rig.client.request(
      { path: '/v1/items/rec_000001' },
      { traceId: 't', remainingMs: () => 50_000 - rig.time.slept() },
    );
    // Deadline 48 s: waits 20 s, then the 40 s wait would pass it.
    expect(rig.time.sleeps).toEqual([20_000]);
    expect(!res.ok && res.error).toMatchObject({
      kind: 'rate_limited',
      attempts: 2,
      resumeAt: started + 20_000 + 40_000,
    });
  });

  it('holds other calls to the provider until the resume time', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'status', status: 429, retryAfter: { seconds: 600 } });
    const started = rig.time.now();
    await rig.client.request({ path: '/v1/items/rec_000001' }, { traceId: 't', remainingMs: () => 30_000 });
    const next = await rig.client.request(
      { path: '/v1/items/rec_000002' },
      { traceId: 't', remainingMs: () => 30_000 },
    );
    expect(!next.ok && next.error.kind).toBe('rate_limited');
    expect(!next.ok && next.error.resumeAt).toBe(started + 600_000);
    expect(rig.sim.log()).toHaveLength(1);
  });
});

describe('transient failures: exponential backoff with full jitter', () => {
  it.each([408, 500, 502, 503, 504])('retries %i with backoff within the attempt limit', async (status) => {
    rig = await clientRig();
    rig.time.randoms = [1 - 1e-9];
    rig.sim.faults.add({ kind: 'status', status }, { times: 2 });
    const res = await get();
    expect(res.ok && res.value.attempts).toBe(3);
    // full jitter under 200 ms, then 400 ms
    expect(rig.time.sleeps).toEqual([199, 399]);
  });

  it('gives up after 4 attempts and returns retryable with the status and attempt count', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'status', status: 503, headers: { 'x-request-id': 'req_abc' } }, { times: 10 });
    const res = await get();
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error).toMatchObject({ kind: 'retryable', status: 503, attempts: 4, requestId: 'req_abc' });
    expect(rig.sim.log()).toHaveLength(4);
  });

  it('honours base, cap and attempts from the definition', async () => {
    rig = await clientRig({ definition: { retry: { baseMs: 1000, capMs: 1500, attempts: 3 } } });
    rig.time.randoms = [1 - 1e-9];
    rig.sim.faults.add({ kind: 'status', status: 500 }, { times: 10 });
    await get();
    expect(rig.time.sleeps).toEqual([999, 1499]);
    expect(rig.sim.log()).toHaveLength(3);
  });

  it('retries a connection reset', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'reset' });
    const res = await get();
    expect(res.ok && res.value.attempts).toBe(2);
    expect(rig.attempts()[0]).toMatchObject({ outcome: 'network', errorCode: 'retryable' });
  });

  it('times out a hanging attempt and retries it', async () => {
    rig = await clientRig({ definition: { timeouts: { attemptMs: 2000 } } });
    rig.sim.faults.add({ kind: 'hang' });
    const res = await get();
    expect(res.ok && res.value.attempts).toBe(2);
    expect(rig.attempts()[0]).toMatchObject({ outcome: 'timeout', errorCode: 'timeout' });
  });

  it('returns timeout when every attempt hangs', async () => {
    rig = await clientRig({ definition: { retry: { attempts: 2 } } });
    rig.sim.faults.add({ kind: 'hang' }, { times: 5 });
    const res = await get();
    expect(!res.ok && res.error.kind).toBe('timeout');
    expect(!res.ok && res.error.attempts).toBe(2);
  });

  it('stops retrying when the next wait would pass the deadline (Lambda remaining time minus the margin)', async () => {
    rig = await clientRig({ definition: { retry: { baseMs: 5000, capMs: 20_000, attempts: 10 } } });
    rig.time.randoms = [1 - 1e-9];
    rig.sim.faults.add({ kind: 'status', status: 503 }, { times: 10 });
    let remaining = 14_000;
    const res = await rig.client.request(
      { path: '/v1/items/rec_000001' },
      { traceId: 't', remainingMs: () => remaining - rig.time.slept() },
    );
    expect(!res.ok && res.error.kind).toBe('retryable');
    // deadline = 14 s - 2 s margin: waits of 5 s then 10 s would pass it, so one wait only
    expect(rig.time.sleeps).toEqual([4999]);
    remaining = 1500;
    const none = await rig.client.request(
      { path: '/v1/items/rec_000001' },
      { traceId: 't', remainingMs: () => remaining },
    );
    expect(!none.ok && none.error.kind).toBe('timeout');
  });
});

describe('permanent failures', () => {
  it.each([400, 403, 404, 422, 409])('does not retry %i', async (status) => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'status', status }, { times: 5 });
    const res = await get();
    expect(!res.ok && res.error).toMatchObject({ kind: 'permanent', status, attempts: 1 });
    expect(rig.sim.log()).toHaveLength(1);
  });

  it('treats 401 with a static token as auth, not retried', async () => {
    rig = await clientRig({ secrets: { token: 'wrong-token-value' } });
    const res = await get();
    expect(!res.ok && res.error).toMatchObject({ kind: 'auth', status: 401, attempts: 1 });
  });
});

describe('non-idempotent methods', () => {
  it('does not retry a POST without an idempotency key', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'status', status: 503 }, { times: 5 });
    const res = await rig.client.request({ method: 'POST', path: '/v1/items', json: { name: 'x' } }, ctx);
    expect(!res.ok && res.error).toMatchObject({ kind: 'retryable', attempts: 1 });
  });

  it('retries a POST that carries an idempotency key, sending the same key each time', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'reset' });
    const res = await rig.client.request(
      { method: 'POST', path: '/v1/items', json: { name: 'x' }, idempotencyKey: 'cmd-42' },
      ctx,
    );
    expect(res.ok && res.value.status).toBe(201);
    expect(rig.sim.log('/v1/items').map((r) => r.headers['idempotency-key'])).toEqual(['cmd-42', 'cmd-42']);
  });

  it('does not retry a POST with a key when the provider has no idempotency header', async () => {
    rig = await clientRig({ definition: { idempotencyKeyHeader: undefined } });
    rig.sim.faults.add({ kind: 'status', status: 502 });
    const res = await rig.client.request(
      { method: 'POST', path: '/v1/items', json: {}, idempotencyKey: 'cmd-43' },
      ctx,
    );
    expect(!res.ok && res.error.attempts).toBe(1);
    expect(rig.sim.log()[0]!.headers['idempotency-key']).toBeUndefined();
  });
});

describe('malformed responses', () => {
  it('classifies invalid JSON with a 200 as malformed_response, without retrying', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'malformed' });
    const res = await get();
    expect(!res.ok && res.error).toMatchObject({ kind: 'malformed_response', status: 200, attempts: 1 });
  });

  it('classifies an HTML page with a 200 as malformed_response', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'html', status: 200 });
    const res = await get();
    expect(!res.ok && res.error.kind).toBe('malformed_response');
  });

  it('retries an HTML 502 once, then returns malformed_response', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'html', status: 502 }, { times: 5 });
    const res = await get();
    expect(!res.ok && res.error).toMatchObject({ kind: 'malformed_response', status: 502, attempts: 2 });
  });

  it('succeeds when the retried HTML 503 is followed by JSON', async () => {
    rig = await clientRig();
    rig.sim.faults.add({ kind: 'malformed', status: 503 });
    expect((await get()).ok).toBe(true);
  });
});
