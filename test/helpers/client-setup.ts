import { createClient, type Client } from '../../lambdas/core/client';
import type { ClientEvent } from '../../lambdas/core/client/types';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { RecordsSimulator, simProvider, type RecordsSimulatorOptions } from '../../local/simulators';
import { MemorySecrets } from './memory';
import { VirtualTime } from './virtual-time';

export const TOKEN = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc';

export interface ClientRig {
  sim: RecordsSimulator;
  client: Client;
  time: VirtualTime;
  events: ClientEvent[];
  attempts(): Extract<ClientEvent, { type: 'attempt' }>[];
  close(): Promise<void>;
}

/**
 * A records simulator on an ephemeral port and a client for it on a virtual clock, recording events.
 *
 * @example
 * const rig = await clientRig({ definition: { retry: { attempts: 3 } } });
 */
export async function clientRig(
  opts: {
    definition?: Partial<ProviderDefinition>;
    sim?: RecordsSimulatorOptions;
    secrets?: Record<string, string>;
    syncDate?: boolean;
  } = {},
): Promise<ClientRig> {
  const time = new VirtualTime(undefined, { syncDate: opts.syncDate });
  const sim = new RecordsSimulator({
    count: 1_000,
    auth: { kind: 'bearer', token: TOKEN },
    now: time.now,
    ...opts.sim,
  });
  await sim.listen();
  // A hanging request times out at once in virtual time, never after real seconds.
  sim.onFault((kind) => kind === 'hang' && setImmediate(() => time.expireTimeouts()));
  const events: ClientEvent[] = [];
  const definition = simProvider(opts.definition);
  const client = createClient({
    definition,
    secrets: new MemorySecrets({ [definition.name]: { token: TOKEN, ...opts.secrets } }),
    time,
    baseUrl: sim.url,
    onEvent: (e) => events.push(e),
  });
  return {
    sim,
    client,
    time,
    events,
    attempts: () => events.filter((e): e is Extract<ClientEvent, { type: 'attempt' }> => e.type === 'attempt'),
    close: async () => {
      time.dispose();
      await sim.close();
    },
  };
}

export const ctx = { traceId: 'trace-0001' };
