import { afterEach, describe, expect, it } from 'vitest';
import { clientRig, ctx, type ClientRig } from '../../helpers/client-setup';

let rig: ClientRig;
afterEach(async () => rig?.close());

const post = () =>
  rig.client.request({ method: 'POST', path: '/v1/items', json: { name: 'x' }, idempotencyKey: 'cmd-1:create' }, ctx);
const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

describe('statuses and error codes a provider documents', () => {
  it('retries a status listed in retry.retryStatuses (with the same key), which would otherwise be permanent', async () => {
    rig = await clientRig({ definition: { retry: { retryStatuses: [409] } } });
    rig.sim.faults.add({ kind: 'status', status: 409 }, { times: 2 });
    const res = await post();
    expect(res.ok && res.value.attempts).toBe(3);
    expect(rig.sim.log('/v1/items').map((r) => r.headers['idempotency-key'])).toEqual([
      'cmd-1:create',
      'cmd-1:create',
      'cmd-1:create',
    ]);
  });

  it('still never retries a listed status on a POST without a key', async () => {
    rig = await clientRig({ definition: { retry: { retryStatuses: [409] } } });
    rig.sim.faults.add({ kind: 'status', status: 409 }, { times: 2 });
    const res = await rig.client.request({ method: 'POST', path: '/v1/items', json: {} }, ctx);
    expect(!res.ok && res.error).toMatchObject({ kind: 'retryable', attempts: 1 });
  });

  it("adds the provider's error code to the error message, and only a plain one", async () => {
    rig = await clientRig({ definition: { errorCode: code } });
    rig.sim.faults.add({ kind: 'status', status: 400, body: { error: { code: 'parameter_unknown' } } });
    const res = await post();
    expect(!res.ok && res.error.message).toBe('records POST /v1/items: provider answered 400 (parameter_unknown)');
    rig.sim.faults.add({ kind: 'status', status: 400, body: { error: { code: 'a b <script>' } } });
    const odd = await post();
    expect(!odd.ok && odd.error.message).toBe('records POST /v1/items: provider answered 400');
  });
});
