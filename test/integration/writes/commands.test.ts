import { afterEach, describe, expect, it } from 'vitest';
import { ATTR } from '../../../lambdas/core/event-message';
import type { Command } from '../../../lambdas/core/writes/command';
import { trelloMarker } from '../../../lambdas/providers/trello-writes';
import { STRIPE_REF_METADATA } from '../../../lambdas/providers/stripe-writes';
import type { Fault } from '../../../local/simulators/faults';
import { TRELLO_SEED } from '../../../local/simulators/trello';
import { SECRET_VALUES, writerRig, type WriterRig } from '../../helpers/writer-rig';

let rig: WriterRig;
afterEach(async () => {
  expect(rig.logs.leaked(SECRET_VALUES)).toEqual([]);
  await rig.close();
});

const card = (commandId: string, ref: string, extra: Record<string, unknown> = {}): Command => ({
  commandId,
  provider: 'trello',
  operation: 'createCard',
  input: { ref, idList: TRELLO_SEED.lists.todo, name: `Card ${ref}`, ...extra },
});
const customer = (commandId: string, ref: string, extra: Record<string, unknown> = {}): Command => ({
  commandId,
  provider: 'stripe',
  operation: 'createCustomer',
  input: { ref, email: `${ref}@example.com`, ...extra },
});
const dead = (provider: 'stripe' | 'trello') => rig.queues[provider].dlq.list().map((m) => m.attributes);
const customersWith = (ref: string) =>
  [...rig.stripe.customers.values()].filter((c) => c.metadata[STRIPE_REF_METADATA] === ref);

describe('the same command delivered twice at once: exactly one resource at the provider, every time', () => {
  const faults: (Fault | undefined)[] = [
    undefined,
    { kind: 'commit-then-fail', status: 502 },
    { kind: 'commit-then-fail', drop: 'reset' },
    { kind: 'reset' },
    { kind: 'status', status: 503 },
  ];

  it('Trello: ten rounds, with and without lost answers', async () => {
    rig = await writerRig();
    for (let round = 0; round < 10; round += 1) {
      const fault = faults[round % faults.length];
      if (fault) rig.trello.faults.add(fault, { match: { method: 'POST', path: '/1/cards' } });
      const command = card(`twin-trello-${round}`, `twin-${round}`);
      rig.send('trello', command);
      rig.send('trello', command);
      const results = await rig.deliverApart('trello');
      // One copy ran; its twin found it running (or done) and never reached Trello. A create that got no
      // answer (a reset) fails its copy too: only the redelivery may look for the card.
      const unanswered = fault?.kind === 'reset' || (fault?.kind === 'commit-then-fail' && fault.drop === 'reset');
      expect(results.flatMap((r) => r.batchItemFailures).length).toBeLessThanOrEqual(unanswered ? 2 : 1);
      await rig.drain('trello');
      expect(rig.trello.cardsWith(trelloMarker(`twin-${round}`))).toHaveLength(1);
      expect(await rig.commands.get(command.provider, command.commandId)).toMatchObject({ status: 'succeeded' });
    }
    expect(rig.logs.logs('command already done, skipped')).toHaveLength(10);
    expect(
      rig.logs.logs('command failed, will retry').filter((l) => String(l.error_message).endsWith('is already running'))
        .length,
    ).toBeGreaterThan(0);
    expect(dead('trello')).toEqual([]);
  });

  it('Stripe: ten rounds, with and without lost answers', async () => {
    rig = await writerRig();
    for (let round = 0; round < 10; round += 1) {
      const fault = faults[round % faults.length];
      if (fault) rig.stripe.faults.add(fault, { match: { method: 'POST', path: '/v1/customers' } });
      const command = customer(`twin-stripe-${round}`, `twin-${round}`);
      rig.send('stripe', command);
      rig.send('stripe', command);
      await rig.deliverApart('stripe');
      await rig.drain('stripe');
      expect(customersWith(`twin-${round}`)).toHaveLength(1);
    }
    expect(rig.stripe.customers.size).toBe(10);
    expect(dead('stripe')).toEqual([]);
  });

  it('two different commands creating the same entity at once: one creates, the other becomes an update', async () => {
    rig = await writerRig();
    const a = card('race-a', 'shared-1', { name: 'From A' });
    const b = card('race-b', 'shared-1', { name: 'From B' });
    rig.send('trello', a);
    rig.send('trello', b);
    await rig.deliverApart('trello');
    await rig.drain('trello');
    expect(rig.trello.cardsWith(trelloMarker('shared-1'))).toHaveLength(1);
    const actions = [
      (await rig.commands.get('trello', 'race-a'))!.action,
      (await rig.commands.get('trello', 'race-b'))!.action,
    ].sort();
    expect(actions).toEqual(['created', 'updated']);
  });

  it('a redelivery of a command already done is skipped without calling the provider', async () => {
    rig = await writerRig();
    const command = card('done-once', 'once-1');
    rig.send('trello', command);
    await rig.drain('trello');
    const calls = rig.trello.log().length;
    rig.send('trello', command);
    await rig.drain('trello');
    expect(rig.trello.log()).toHaveLength(calls);
    expect(rig.logs.logs('command already done, skipped')).toHaveLength(1);
    expect(await rig.commands.get('trello', 'done-once')).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});

describe('the same command id with another input: permanent, never executed', () => {
  it('after the first one succeeded: the DLQ with the reason, no request, the first outcome kept', async () => {
    rig = await writerRig();
    rig.send('trello', card('reused-1', 'reuse-1'));
    await rig.drain('trello');
    const before = await rig.commands.get('trello', 'reused-1');
    const calls = rig.trello.log().length;
    rig.send('trello', card('reused-1', 'reuse-1', { name: 'Something else' }));
    await rig.drain('trello');
    expect(rig.trello.log()).toHaveLength(calls);
    expect(dead('trello')).toEqual([
      expect.objectContaining({
        [ATTR.failureKind]: 'permanent',
        [ATTR.failureReason]: 'command reused-1 was already used with another input',
        [ATTR.receiveCount]: '1',
      }),
    ]);
    expect(await rig.commands.get('trello', 'reused-1')).toEqual(before);
  });

  it('after the first one failed for good (no idempotency record left): still refused by the outcome it left', async () => {
    rig = await writerRig();
    rig.send('trello', card('reused-2', 'reuse-2', { idList: 'bbbbbbbbbbbbbbbbbbbbbbbb' }));
    await rig.drain('trello');
    expect(await rig.commands.get('trello', 'reused-2')).toMatchObject({ status: 'failed' });
    rig.send('trello', card('reused-2', 'reuse-2'));
    await rig.drain('trello');
    expect(rig.trello.log('/1/cards').filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(dead('trello').at(-1)).toMatchObject({
      [ATTR.failureReason]: 'command reused-2 was already used with another input',
    });
  });
});

describe('bad commands through the queue: the DLQ at once with the reason, nothing sent to the provider', () => {
  it.each([
    ['a body that is not JSON', 'not json', 'command message is not JSON'],
    [
      'an envelope without a command id',
      JSON.stringify({ provider: 'trello', operation: 'createCard', input: {} }),
      'invalid command: commandId invalid_type',
    ],
    [
      'an input that fails the schema',
      card('bad-input', 'bad-1', { idList: 'nope', name: '' }),
      'invalid input for trello createCard: input.idList invalid_format; input.name too_small',
    ],
    ['an input with an unknown field', card('bad-field', 'bad-2', { color: 'red' }), 'input unrecognized_keys (color)'],
    [
      'an unknown operation',
      { ...card('bad-op', 'bad-3'), operation: 'deleteBoard' },
      'unknown operation deleteBoard for trello',
    ],
    ['an unknown provider', { ...card('bad-provider', 'bad-4'), provider: 'nope' }, 'unknown provider nope'],
  ] as const)('%s', async (_name, message, reason) => {
    rig = await writerRig();
    rig.send('trello', message as Command | string);
    await rig.drain('trello');
    const [attrs] = dead('trello');
    expect(attrs![ATTR.failureReason]).toContain(reason);
    expect(attrs![ATTR.receiveCount]).toBe('1');
    expect(['invalid_payload', 'permanent']).toContain(attrs![ATTR.failureKind]);
    expect(rig.trello.log()).toEqual([]);
    expect(
      rig.logs.metric('CommandsFailed', { provider: typeof message === 'object' ? message.provider : 'unknown' }),
    ).toBe(1);
  });

  it('records the outcome of a schema-invalid command, with its reason', async () => {
    rig = await writerRig();
    rig.send('stripe', customer('bad-email', 'bad-5', { email: 'not-an-email' }));
    await rig.drain('stripe');
    expect(await rig.commands.get('stripe', 'bad-email')).toMatchObject({
      status: 'failed',
      attempts: 0,
      lastError: { kind: 'invalid_payload', message: expect.stringContaining('input.email invalid_format') },
    });
    expect(rig.stripe.log()).toEqual([]);
  });
});

// Found by the chaos run: a second delivery that failed before it ran (its idempotency record could not be
// saved) wrote `retrying` over the first delivery's `succeeded`, and the next one, skipped as done, never set it back.
describe('a succeeded command stays succeeded', () => {
  it('when a later delivery of it fails before running', async () => {
    rig = await writerRig();
    const command = customer('done-then-flaky', 'flaky-1');
    rig.send('stripe', command);
    await rig.drain('stripe');
    let failNext = true;
    rig.dynamo.client.middlewareStack.add(
      (next, context) => async (args) => {
        const table = (args.input as { TableName?: string }).TableName;
        if (failNext && context.commandName === 'PutItemCommand' && table === rig.dynamo.tableName('idempotency')) {
          failNext = false;
          throw Object.assign(new Error('Throughput exceeds the current capacity'), {
            name: 'ProvisionedThroughputExceededException',
            $metadata: {},
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failOnePut' },
    );
    rig.send('stripe', command);
    await rig.drain('stripe');
    expect(rig.logs.logs('command failed, will retry')).toHaveLength(1);
    expect(rig.logs.logs('command already done, skipped')).toHaveLength(1);
    expect(await rig.commands.get('stripe', 'done-then-flaky')).toMatchObject({
      status: 'succeeded',
      action: 'created',
    });
    expect(customersWith('flaky-1')).toHaveLength(1);
  });
});
