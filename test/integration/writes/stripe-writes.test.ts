import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { entityKey } from '../../../lambdas/core/writes/external-ids';
import { ATTR } from '../../../lambdas/core/event-message';
import type { Command } from '../../../lambdas/core/writes/command';
import { STRIPE_REF_METADATA } from '../../../lambdas/providers/stripe-writes';
import { LENIENT_BREAKER, SECRET_VALUES, writerRig, type WriterRig } from '../../helpers/writer-rig';

let rig: WriterRig;
afterEach(async () => {
  expect(rig.logs.leaked(SECRET_VALUES)).toEqual([]);
  await rig.close();
});

let n = 0;
const create = (input: Record<string, unknown> = {}, commandId = `cmd-stripe-${++n}`): Command => ({
  commandId,
  provider: 'stripe',
  operation: 'createCustomer',
  input: { ref: `user-${n}`, email: `ann.${n}@example.com`, name: 'Ann Example', ...input },
  correlationId: `trace-${n}`,
});
const posts = () => rig.stripe.log('/v1/customers').filter((r) => r.method === 'POST');
const outcome = (command: Command) => rig.commands.get(command.provider, command.commandId);

async function run(command: Command) {
  rig.send('stripe', command);
  await rig.drain('stripe');
  return outcome(command);
}

describe('Stripe createCustomer: POST /v1/customers with an idempotency key', () => {
  it('creates one customer, form-encoded, with the pinned Stripe-Version, a key derived from the command id, and our id in the metadata', async () => {
    rig = await writerRig();
    const command = create();
    const result = await run(command);
    expect(rig.stripe.customers.size).toBe(1);
    const [customer] = [...rig.stripe.customers.values()];
    expect(customer).toMatchObject({
      email: `ann.${n}@example.com`,
      name: 'Ann Example',
      metadata: { [STRIPE_REF_METADATA]: `user-${n}` },
    });
    const [req] = posts();
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req!.headers['stripe-version']).toBe('2025-03-31.basil');
    expect(req!.headers['idempotency-key']).toBe(`${command.commandId}:create`);
    expect(req!.headers['x-correlation-id']).toBe(command.correlationId);
    expect(result).toMatchObject({
      status: 'succeeded',
      action: 'created',
      providerId: customer!.id,
      attempts: 1,
      providerCalls: 1,
      entity: 'customer',
      ref: `user-${n}`,
    });
    expect(await rig.externalIds.get({ provider: 'stripe', entity: 'customer', ref: `user-${n}` })).toMatchObject({
      state: 'mapped',
      providerId: customer!.id,
      commandId: command.commandId,
    });
  });

  it('makes a second create for a mapped ref an update of the same customer (POST /v1/customers/{id})', async () => {
    rig = await writerRig();
    const first = create();
    await run(first);
    const second = await run(create({ ref: (first.input as { ref: string }).ref, name: 'Ann Renamed' }));
    expect(rig.stripe.customers.size).toBe(1);
    const [customer] = [...rig.stripe.customers.values()];
    expect(customer!.name).toBe('Ann Renamed');
    expect(second).toMatchObject({ status: 'succeeded', action: 'updated', providerId: customer!.id });
    expect(posts().at(-1)!.path).toBe(`/v1/customers/${customer!.id}`);
  });

  it('updates a mapped customer with updateCustomer, and retries one that is not mapped yet until the DLQ', async () => {
    rig = await writerRig({ maxReceiveCount: 3 });
    const first = create();
    await run(first);
    const ref = (first.input as { ref: string }).ref;
    const update = await run({
      commandId: 'upd-1',
      provider: 'stripe',
      operation: 'updateCustomer',
      input: { ref, phone: '+15555550100' },
    });
    expect(update).toMatchObject({ status: 'succeeded', action: 'updated' });
    expect([...rig.stripe.customers.values()][0]!.phone).toBe('+15555550100');
    const orphan = await run({
      commandId: 'upd-2',
      provider: 'stripe',
      operation: 'updateCustomer',
      input: { ref: 'nobody', phone: '+15555550101' },
    });
    expect(orphan).toMatchObject({
      status: 'failed',
      lastError: { kind: 'retryable', message: expect.stringContaining('no stripe id is mapped') },
    });
    const [dead] = rig.queues.stripe.dlq.list();
    expect(dead!.attributes[ATTR.receiveCount]).toBe('3');
  });
});

describe('every client fault on a create: retried with the same key, exactly one customer', () => {
  it('waits out a 429 Retry-After (virtual time) and creates once', async () => {
    rig = await writerRig();
    rig.stripe.faults.add({ kind: 'status', status: 429, retryAfter: { seconds: 7 } }, { match: { method: 'POST' } });
    expect(await run(create())).toMatchObject({ status: 'succeeded', action: 'created', providerCalls: 2 });
    expect(rig.time.sleeps).toContain(7000);
    expect(rig.stripe.customers.size).toBe(1);
  });

  it.each([
    ['a Retry-After date', { retryAfter: { seconds: 9, as: 'date' } }, 9000],
    ['an X-RateLimit-Reset epoch', { reset: { seconds: 4, as: 'epoch' } }, 4000],
    ['a RateLimit draft header', { reset: { seconds: 3, as: 'draft' } }, 3000],
  ] as const)('waits out a 429 with %s', async (_name, wait, ms) => {
    rig = await writerRig();
    rig.stripe.faults.add({ kind: 'status', status: 429, ...wait }, { match: { method: 'POST' } });
    expect(await run(create())).toMatchObject({ status: 'succeeded', action: 'created' });
    expect(rig.time.sleeps).toContain(ms);
    expect(rig.stripe.customers.size).toBe(1);
  });

  it('paces a batch of creates through a fixed rate limit, one customer each', async () => {
    rig = await writerRig();
    rig.stripe.faults.update({ rateLimit: { limit: 3, windowMs: 10_000 } });
    const commands = Array.from({ length: 8 }, () => create());
    for (const c of commands) rig.send('stripe', c);
    await rig.drain('stripe');
    expect(rig.stripe.customers.size).toBe(8);
    for (const c of commands) expect(await outcome(c)).toMatchObject({ status: 'succeeded', action: 'created' });
    expect(rig.stripe.log().some((r) => r.status === 429)).toBe(true);
  });

  it.each([500, 502, 503, 504])('retries %i with the same Idempotency-Key', async (status) => {
    rig = await writerRig();
    rig.stripe.faults.add({ kind: 'status', status }, { match: { method: 'POST' }, times: 2 });
    const command = create();
    expect(await run(command)).toMatchObject({ status: 'succeeded', action: 'created', providerCalls: 3 });
    expect(new Set(posts().map((r) => r.headers['idempotency-key']))).toEqual(new Set([`${command.commandId}:create`]));
    expect(rig.stripe.customers.size).toBe(1);
  });

  it('times out a hanging request and retries it', async () => {
    rig = await writerRig();
    rig.stripe.faults.add({ kind: 'hang' }, { match: { method: 'POST' } });
    expect(await run(create())).toMatchObject({ status: 'succeeded', providerCalls: 2 });
    expect(rig.events.some((e) => e.type === 'attempt' && e.outcome === 'timeout')).toBe(true);
    expect(rig.stripe.customers.size).toBe(1);
  });

  it('retries a connection reset', async () => {
    rig = await writerRig();
    rig.stripe.faults.add({ kind: 'reset' }, { match: { method: 'POST' } });
    expect(await run(create())).toMatchObject({ status: 'succeeded', providerCalls: 2 });
    expect(rig.stripe.customers.size).toBe(1);
  });

  it('retries an HTML 502 from a gateway', async () => {
    rig = await writerRig();
    rig.stripe.faults.add({ kind: 'html', status: 502 }, { match: { method: 'POST' } });
    expect(await run(create())).toMatchObject({ status: 'succeeded', providerCalls: 2 });
    expect(rig.stripe.customers.size).toBe(1);
  });

  it('treats a malformed 200 as an unknown outcome: the next delivery sends the same key and creates once', async () => {
    rig = await writerRig();
    rig.stripe.faults.add({ kind: 'malformed', status: 200 }, { match: { method: 'POST' } });
    const command = create();
    rig.send('stripe', command);
    await rig.deliver('stripe');
    expect(await outcome(command)).toMatchObject({
      status: 'retrying',
      lastError: {
        kind: 'retryable',
        message: expect.stringContaining(
          'create outcome unknown: stripe POST /v1/customers: 200 with a body that is not JSON',
        ),
      },
    });
    await rig.drain('stripe');
    expect(await outcome(command)).toMatchObject({ status: 'succeeded', attempts: 2, providerCalls: 2 });
    expect(rig.stripe.customers.size).toBe(1);
  });
});

describe('commit, then fail: Stripe created the customer and the answer was lost', () => {
  it.each([
    ['a 502 after the commit', { kind: 'commit-then-fail', status: 502 }],
    ['a reset after the commit', { kind: 'commit-then-fail', drop: 'reset' }],
    ['a hang after the commit', { kind: 'commit-then-fail', drop: 'hang' }],
  ] as const)('%s: the retry with the same key gets the replay, never a second customer', async (_name, fault) => {
    rig = await writerRig();
    rig.stripe.faults.add(fault, { match: { method: 'POST', path: '/v1/customers' } });
    const command = create();
    const result = await run(command);
    expect(rig.stripe.customers.size).toBe(1);
    const [customer] = [...rig.stripe.customers.values()];
    expect(result).toMatchObject({ status: 'succeeded', action: 'created', providerId: customer!.id });
    const log = posts();
    expect(log.map((r) => r.fault ?? 'ok')).toEqual(['commit-then-fail', 'ok']);
    expect(log.every((r) => r.headers['idempotency-key'] === `${command.commandId}:create`)).toBe(true);
  });

  it('settles on the next delivery when every attempt of the first one lost its answer', async () => {
    rig = await writerRig();
    // An HTML 502 is retried once by the client, so both attempts of the first delivery lose their answer.
    rig.stripe.faults.add({ kind: 'commit-then-fail', status: 502 }, { match: { method: 'POST' }, times: 2 });
    const command = create();
    rig.send('stripe', command);
    await rig.deliver('stripe');
    expect(await outcome(command)).toMatchObject({ status: 'retrying', providerCalls: 2 });
    await rig.drain('stripe');
    expect(await outcome(command)).toMatchObject({
      status: 'succeeded',
      action: 'created',
      attempts: 2,
      providerCalls: 3,
    });
    expect(posts().at(-1)!.status).toBe(200);
    expect(rig.stripe.customers.size).toBe(1);
  });
});

describe('a command redriven after Stripe may have dropped its key (kept at least 24 h)', () => {
  const DAY = 24 * 3_600_000;
  const searches = () => rig.stripe.log('/v1/customers/search');

  it('looks the customer up by our id first and adopts it: the reused key would have created a second one', async () => {
    rig = await writerRig();
    // Both attempts of the first delivery commit and lose their answer; the command then waits in the DLQ for a day.
    rig.stripe.faults.add({ kind: 'commit-then-fail', status: 502 }, { match: { method: 'POST' }, times: 2 });
    const command = create();
    rig.send('stripe', command);
    await rig.deliver('stripe');
    expect(await outcome(command)).toMatchObject({ status: 'retrying' });
    const [customer] = [...rig.stripe.customers.values()];
    rig.time.advance(DAY + 3_600_000);
    await rig.drain('stripe');
    expect(rig.stripe.customers.size).toBe(1);
    expect(await outcome(command)).toMatchObject({
      status: 'succeeded',
      action: 'reconciled',
      providerId: customer!.id,
    });
    expect(posts()).toHaveLength(2);
    const [search] = searches();
    expect(search!.query.query).toBe(`metadata['${STRIPE_REF_METADATA}']:'user-${n}'`);
    expect(search!.headers['stripe-version']).toBe('2025-03-31.basil');
    expect(await rig.externalIds.get({ provider: 'stripe', entity: 'customer', ref: `user-${n}` })).toMatchObject({
      state: 'mapped',
      providerId: customer!.id,
    });
  });

  it('creates once when the lookup finds nothing (the first attempt never created)', async () => {
    rig = await writerRig();
    rig.stripe.faults.add({ kind: 'status', status: 503 }, { match: { method: 'POST' }, times: 4 });
    const command = create();
    rig.send('stripe', command);
    await rig.deliver('stripe');
    expect(rig.stripe.customers.size).toBe(0);
    rig.time.advance(DAY - 3_600_000);
    await rig.drain('stripe');
    expect(searches()).toHaveLength(1);
    expect(rig.stripe.customers.size).toBe(1);
    expect(await outcome(command)).toMatchObject({ status: 'succeeded', action: 'created' });
  });

  it('looks up first when the claim has no first send time (a claim older than the field): its age is unknown', async () => {
    rig = await writerRig();
    rig.stripe.faults.add({ kind: 'commit-then-fail', status: 502 }, { match: { method: 'POST' }, times: 2 });
    const command = create();
    rig.send('stripe', command);
    await rig.deliver('stripe');
    const key = { provider: 'stripe', entity: 'customer', ref: `user-${n}` };
    await rig.dynamo.doc.send(
      new UpdateCommand({
        TableName: rig.dynamo.tableName('externalIds'),
        Key: { pk: entityKey(key) },
        UpdateExpression: 'REMOVE firstSentAt',
      }),
    );
    await rig.drain('stripe');
    expect(searches()).toHaveLength(1);
    expect(rig.stripe.customers.size).toBe(1);
    expect(await outcome(command)).toMatchObject({ status: 'succeeded', action: 'reconciled' });
  });

  it('trusts the key without a lookup while it is less than 23 h old', async () => {
    rig = await writerRig();
    rig.stripe.faults.add({ kind: 'commit-then-fail', status: 502 }, { match: { method: 'POST' }, times: 2 });
    const command = create();
    rig.send('stripe', command);
    await rig.deliver('stripe');
    rig.time.advance(DAY - 3_600_000 - 60_000);
    await rig.drain('stripe');
    expect(searches()).toEqual([]);
    expect(posts().at(-1)!.headers['idempotency-key']).toBe(`${command.commandId}:create`);
    expect(rig.stripe.customers.size).toBe(1);
    expect(await outcome(command)).toMatchObject({ status: 'succeeded', action: 'created' });
  });

  it('keeps the first claim time across redeliveries, so a day of retries still counts as a day', async () => {
    rig = await writerRig({ definitions: { stripe: { circuitBreaker: LENIENT_BREAKER } } });
    rig.stripe.faults.add({ kind: 'commit-then-fail', status: 502 }, { match: { method: 'POST' }, times: 2 });
    const command = create();
    rig.send('stripe', command);
    await rig.deliver('stripe');
    const key = { provider: 'stripe', entity: 'customer', ref: `user-${n}` };
    const first = (await rig.externalIds.get(key))!.firstSentAt;
    // Redeliveries 12 h apart that fail before any create request (Stripe answers 503s before the key is saved).
    rig.stripe.faults.add({ kind: 'status', status: 503 }, { match: { method: 'POST' }, times: 4 });
    rig.time.advance(12 * 3_600_000);
    await rig.deliver('stripe');
    expect((await rig.externalIds.get(key))!.firstSentAt).toBe(first);
    rig.time.advance(12 * 3_600_000);
    await rig.drain('stripe');
    expect(searches()).toHaveLength(1);
    expect(rig.stripe.customers.size).toBe(1);
    expect(await outcome(command)).toMatchObject({ status: 'succeeded', action: 'reconciled' });
  });
});

describe("Stripe's idempotency errors", () => {
  it('retries a 409 idempotency_key_in_use (a concurrent request with the key) until the key is free', async () => {
    rig = await writerRig();
    const command = create();
    rig.stripe.lockKey(`${command.commandId}:create`, 2);
    expect(await run(command)).toMatchObject({ status: 'succeeded', action: 'created', providerCalls: 3 });
    expect(posts().map((r) => r.status)).toEqual([409, 409, 200]);
    expect(rig.stripe.customers.size).toBe(1);
  });

  it('sends a 400 idempotency_error (the key was used with other parameters) to the DLQ at once, with the reason', async () => {
    rig = await writerRig();
    const command = create();
    rig.stripe.useKey(`${command.commandId}:create`, 'POST', '/v1/customers', { email: 'someone.else@example.com' });
    const result = await run(command);
    expect(rig.stripe.customers.size).toBe(0);
    expect(posts()).toHaveLength(1);
    const [dead] = rig.queues.stripe.dlq.list();
    expect(dead!.attributes[ATTR.failureKind]).toBe('permanent');
    expect(dead!.attributes[ATTR.failureReason]).toContain('400 (idempotency_error)');
    expect(dead!.attributes[ATTR.receiveCount]).toBe('1');
    expect(result).toMatchObject({
      status: 'failed',
      lastError: { kind: 'permanent', message: expect.stringContaining('idempotency_error') },
    });
    // Refused: the entity is free for a later command.
    expect(await rig.externalIds.get({ provider: 'stripe', entity: 'customer', ref: `user-${n}` })).toBeUndefined();
  });

  it('sends a parameter error to the DLQ at once with its code', async () => {
    rig = await writerRig();
    // Valid for our schema, refused by Stripe: it caps metadata at 50 keys.
    const metadata = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    const result = await run(create({ metadata }));
    expect(result).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: {
        kind: 'permanent',
        message: expect.stringContaining('provider answered 400 (invalid_request_error)'),
      },
    });
    const [dead] = rig.queues.stripe.dlq.list();
    expect(dead!.attributes[ATTR.failureKind]).toBe('permanent');
    expect(dead!.attributes[ATTR.failureReason]).toContain('400 (invalid_request_error)');
    expect(dead!.attributes[ATTR.receiveCount]).toBe('1');
    expect(rig.stripe.customers.size).toBe(0);
  });

  it('retries a provider that stays down, then dead-letters the command on the last receive with the reason', async () => {
    // A breaker that stays closed, so every delivery reaches the provider.
    rig = await writerRig({ maxReceiveCount: 2, definitions: { stripe: { circuitBreaker: LENIENT_BREAKER } } });
    rig.stripe.faults.add({ kind: 'status', status: 503 }, { match: { method: 'POST' }, times: Infinity });
    const command = create();
    expect(await run(command)).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastError: { kind: 'retryable', message: expect.stringContaining('503') },
    });
    const [dead] = rig.queues.stripe.dlq.list();
    expect(dead!.attributes[ATTR.failureReason]).toContain('provider answered 503');
    expect(dead!.attributes[ATTR.receiveCount]).toBe('2');
    expect(rig.logs.metric('CommandsFailed', { provider: 'stripe', operation: 'createCustomer' })).toBe(1);
  });
});
