import { afterEach, describe, expect, it } from 'vitest';
import { github } from '../../../lambdas/providers/github';
import { clientRig, ctx, type ClientRig } from '../../helpers/client-setup';

let rig: ClientRig;
afterEach(async () => rig?.close());

const path = '/v1/items/rec_000001';
// The records simulator speaking GitHub's rate-limit rules.
const asGithub = { definition: { inspectResponse: github.inspectResponse, retry: github.retry } };
const secondary = {
  message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
};

describe('GitHub rate limits through the client', () => {
  it('waits out a primary-limit 403 until x-ratelimit-reset, then retries', async () => {
    rig = await clientRig(asGithub);
    rig.sim.faults.add({
      kind: 'status',
      status: 403,
      reset: { seconds: 9, as: 'epoch', remaining: 0 },
      body: { message: 'API rate limit exceeded for user ID 1.' },
    });
    const res = await rig.client.request({ path }, ctx);
    expect(res.ok && res.value.attempts).toBe(2);
    expect(rig.time.sleeps).toEqual([9000]);
  });

  it('returns rate_limited with resumeAt a minute on for a secondary-limit 403 that names no time', async () => {
    rig = await clientRig(asGithub);
    rig.sim.faults.add({ kind: 'status', status: 403, body: secondary });
    const started = rig.time.now();
    const res = await rig.client.request({ path }, { traceId: 't', remainingMs: () => 30_000 });
    expect(!res.ok && res.error).toMatchObject({
      kind: 'rate_limited',
      status: 403,
      resumeAt: started + 60_000,
      attempts: 1,
    });
    expect(rig.sim.log()).toHaveLength(1);
  });

  it('waits a secondary-limit 429 out by its retry-after', async () => {
    rig = await clientRig(asGithub);
    rig.sim.faults.add({ kind: 'status', status: 429, retryAfter: { seconds: 45 }, body: secondary });
    expect((await rig.client.request({ path }, ctx)).ok).toBe(true);
    expect(rig.time.sleeps).toEqual([45_000]);
  });

  it("waits GitHub's minute after a 429 with no hints and no JSON body", async () => {
    rig = await clientRig({ definition: { ...asGithub.definition, timeouts: { callMs: 120_000 } } });
    rig.sim.faults.add({ kind: 'html', status: 429 });
    expect((await rig.client.request({ path }, ctx)).ok).toBe(true);
    expect(rig.time.sleeps).toEqual([60_000]);
  });

  it('returns rate_limited with the time to resume when that minute would reach the deadline', async () => {
    rig = await clientRig(asGithub);
    rig.sim.faults.add({ kind: 'html', status: 429 });
    const started = rig.time.now();
    const res = await rig.client.request({ path }, ctx);
    expect(!res.ok && res.error).toMatchObject({
      kind: 'rate_limited',
      status: 429,
      resumeAt: started + 60_000,
      attempts: 1,
    });
    expect(rig.time.sleeps).toEqual([]);
  });

  it('keeps a plain 403 permanent, unretried', async () => {
    rig = await clientRig(asGithub);
    rig.sim.faults.add(
      { kind: 'status', status: 403, body: { message: 'Resource not accessible by integration' } },
      { times: 3 },
    );
    const res = await rig.client.request({ path }, ctx);
    expect(!res.ok && res.error).toMatchObject({ kind: 'permanent', status: 403, attempts: 1 });
    expect(rig.sim.log()).toHaveLength(1);
  });
});
