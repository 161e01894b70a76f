import { afterEach, describe, expect, it } from 'vitest';
import type { Command } from '../../lambdas/core/writes/command';
import { providers } from '../../lambdas/providers';
import { requestOperations } from '../../lambdas/providers/operations';
import { TRELLO_SEED } from '../../local/simulators/trello';
import { day, syncRig, type SyncRig } from '../helpers/sync-rig';
import { writerRig, type WriterRig } from '../helpers/writer-rig';

// The stack alarms on p95 LatencyMs per operation it derives from the definitions (lib/integration-stack.ts):
// an alarm on a name the runtime never emits would watch nothing.

let sync: SyncRig | undefined;
let writer: WriterRig | undefined;
afterEach(async () => {
  await sync?.close();
  await writer?.close();
  sync = writer = undefined;
});

/** The `operation` dimension of every LatencyMs the writer's telemetry published for a provider. */
function latencyOperations(rig: WriterRig, provider: string): Set<string> {
  const ops = rig.logs
    .entries()
    .filter((e) => e._aws && 'LatencyMs' in e && e.provider === provider && typeof e.operation === 'string')
    .map((e) => e.operation as string);
  return new Set(ops);
}

describe('the operations the stack alarms on are the ones the runtime emits', () => {
  it('names a poll by its request, as the client reports its latency', async () => {
    sync = await syncRig();
    await sync.run({ range: { from: day('2024-08-10'), to: day('2024-08-12') } });
    const emitted = new Set(
      sync.telemetry.metrics.filter((m) => m.name === 'LatencyMs' && m.dims.operation).map((m) => m.dims.operation),
    );
    expect([...emitted]).toEqual(requestOperations(sync.definition));
  });

  it('names every call of Trello writes: create, read, update and the lookup after a lost answer', async () => {
    writer = await writerRig();
    const ref = 'ops-1';
    const card = (operation: string, input: Record<string, unknown>, commandId: string): Command => ({
      commandId,
      provider: 'trello',
      operation,
      input: { ref, ...input },
    });
    // The create's answer is lost: the next round looks the card up (list, then board) before creating again.
    writer.trello.faults.add(
      { kind: 'commit-then-fail', status: 502 },
      { match: { method: 'POST', path: '/1/cards' } },
    );
    writer.send('trello', card('createCard', { idList: TRELLO_SEED.lists.todo, name: 'Export broken' }, 'ops-c1'));
    writer.send('trello', card('updateCard', { name: 'Export fixed' }, 'ops-u1'));
    await writer.drain('trello');
    // Every call made is one the stack alarms on (the board is paged only when the list lacks the card).
    const declared = requestOperations(providers.find((p) => p.name === 'trello')!);
    const emitted = [...latencyOperations(writer, 'trello')];
    expect(declared).toEqual(expect.arrayContaining(emitted));
    expect(emitted).toEqual(expect.arrayContaining(['POST /1/cards', 'GET /1/lists/{id}/cards', 'PUT /1/cards/{id}']));
  });

  it('names every call of Stripe writes: create and update', async () => {
    writer = await writerRig();
    const customer = (operation: string, input: Record<string, unknown>, commandId: string): Command => ({
      commandId,
      provider: 'stripe',
      operation,
      input: { ref: 'ops-2', ...input },
    });
    writer.send('stripe', customer('createCustomer', { email: 'ops@example.com' }, 'ops-c2'));
    await writer.drain('stripe');
    writer.send('stripe', customer('updateCustomer', { phone: '+15555550100' }, 'ops-u2'));
    await writer.drain('stripe');
    // The customer search runs only for a create whose key Stripe may have dropped (23 h on): not here.
    const declared = requestOperations(providers.find((p) => p.name === 'stripe')!);
    const emitted = [...latencyOperations(writer, 'stripe')];
    expect(declared).toEqual(expect.arrayContaining(emitted));
    expect(emitted.sort()).toEqual(['POST /v1/customers', 'POST /v1/customers/{id}']);
  });

  it('knows the calls of every write operation of every provider', () => {
    for (const def of providers) {
      for (const [name, op] of Object.entries(def.writes ?? {}))
        expect(op.endpoints?.length, `${def.name} ${name}`).toBeGreaterThan(0);
    }
  });
});
