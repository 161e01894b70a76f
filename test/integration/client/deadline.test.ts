import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../../lambdas/core/client';
import type { SecretStore } from '../../../lambdas/core/ports';
import type { ProviderDefinition } from '../../../lambdas/core/provider';
import { RecordsSimulator, simProvider } from '../../../local/simulators';
import { clientRig, TOKEN, type ClientRig } from '../../helpers/client-setup';
import { VirtualTime } from '../../helpers/virtual-time';

let rig: ClientRig | undefined;
let sim: RecordsSimulator | undefined;
let time: VirtualTime | undefined;
afterEach(async () => {
  await rig?.close();
  time?.dispose();
  await sim?.close();
  rig = sim = time = undefined;
});

const path = '/v1/items/rec_000001';
/** A Lambda with `ms` left: the call's deadline is `ms` minus the 2 s safety margin. */
const lambda = (ms: number) => ({ traceId: 'trace-deadline', remainingMs: () => ms });

/** A client of the records simulator whose secrets come from `secrets` (to make them slow or silent). */
async function secretsRig(secrets: SecretStore, definition: Partial<ProviderDefinition> = {}) {
  time = new VirtualTime();
  sim = new RecordsSimulator({ count: 10, auth: { kind: 'bearer', token: TOKEN }, now: time.now });
  await sim.listen();
  const t = time;
  sim.onFault((kind) => kind === 'hang' && setImmediate(() => t.expireTimeouts()));
  return createClient({ definition: simProvider(definition), secrets, time, baseUrl: sim.url });
}

describe('the call deadline', () => {
  it('counts time queued behind the concurrency limit, and sends nothing when none is left', async () => {
    rig = await clientRig({ definition: { concurrency: 1, timeouts: { attemptMs: 5000 }, retry: { attempts: 1 } } });
    rig.sim.faults.add({ kind: 'hang' });
    // The first call holds the only slot until its 5 s attempt timeout; the second has a 4 s deadline.
    const [first, second] = await Promise.all([
      rig.client.request({ path }, lambda(60_000)),
      rig.client.request({ path }, lambda(6000)),
    ]);
    expect(!first.ok && first.error.kind).toBe('timeout');
    expect(!second.ok && second.error).toMatchObject({ kind: 'timeout', attempts: 0 });
    expect(rig.sim.log()).toHaveLength(1);
  });

  it('gives an attempt that waited for a slot only what is left of the deadline', async () => {
    rig = await clientRig({ definition: { concurrency: 1, timeouts: { attemptMs: 5000 }, retry: { attempts: 1 } } });
    rig.sim.faults.add({ kind: 'hang' }, { times: 2 });
    const started = rig.time.now();
    // Deadline 7 s: 5 s queued, so the second call's attempt may take 2 s, not 5 s.
    const [, second] = await Promise.all([
      rig.client.request({ path }, lambda(60_000)),
      rig.client.request({ path }, lambda(9000)),
    ]);
    expect(!second.ok && second.error).toMatchObject({ kind: 'timeout', attempts: 1 });
    expect(rig.time.now()).toBe(started + 7000);
  });

  it('spends one attempt timeout on the secret read and the request together', async () => {
    const slow: SecretStore = {
      get: async () => {
        time!.advance(3000);
        return TOKEN;
      },
    };
    const client = await secretsRig(slow, { timeouts: { attemptMs: 5000 }, retry: { attempts: 1 } });
    sim!.faults.add({ kind: 'hang' });
    const started = time!.now();
    const res = await client.request({ path }, lambda(60_000));
    expect(!res.ok && res.error.kind).toBe('timeout');
    expect(time!.now()).toBe(started + 5000);
  });

  it('times out a secret read that never answers, and sends nothing', async () => {
    const silent: SecretStore = {
      get: () => {
        setImmediate(() => time!.expireTimeouts());
        return new Promise<string>(() => undefined);
      },
    };
    const client = await secretsRig(silent, { timeouts: { attemptMs: 5000 }, retry: { attempts: 2 } });
    const res = await client.request({ path }, lambda(60_000));
    expect(!res.ok && res.error).toMatchObject({ kind: 'timeout', attempts: 2 });
    expect(sim!.log()).toHaveLength(0);
  });

  it('bounds the OAuth token request by the deadline, not by a full attempt timeout', async () => {
    rig = await clientRig({
      definition: {
        auth: {
          kind: 'oauth2-client-credentials',
          tokenUrl: '/oauth/token',
          clientIdSecret: 'clientId',
          clientSecretSecret: 'clientSecret',
        },
        secrets: ['clientId', 'clientSecret'],
      },
      secrets: { clientId: 'client-1', clientSecret: 'cs_test_deadline' },
      sim: { auth: { kind: 'oauth2', clientId: 'client-1', clientSecret: 'cs_test_deadline' } },
    });
    rig.sim.faults.add({ kind: 'hang' }, { match: { path: '/oauth/token' } });
    const started = rig.time.now();
    const res = await rig.client.request({ path }, lambda(5000));
    expect(!res.ok && res.error.kind).toBe('timeout');
    // Deadline 3 s; the default 8 s attempt timeout would have let the token request run past it.
    expect(rig.time.now()).toBe(started + 3000);
    expect(rig.sim.log('/v1')).toHaveLength(0);
  });
});
