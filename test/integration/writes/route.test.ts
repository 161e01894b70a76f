import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandsText } from '../../../bin/ops/commands';
import { main } from '../../../bin/ops/main';
import type { CommandOutcome } from '../../../lambdas/core/writes/outcomes';
import { trelloMarker } from '../../../lambdas/providers/trello-writes';
import { TRELLO_SEED } from '../../../local/simulators/trello';
import type { LocalStack } from '../../../local/stack';
import type { LogCapture } from '../../helpers/log-capture';
import { runCli } from '../../helpers/cli';
import { testStack, until } from '../../helpers/local-stack';

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;

beforeAll(async () => {
  // No <PROVIDER>_BASE_URL: the stack starts the Stripe and Trello simulators.
  ({ stack, logs, close } = await testStack({ writer: { env: {} } }));
});
afterAll(async () => {
  const secrets = ['stripe', 'trello'].flatMap((p) => Object.values(stack.secrets.read()[p] ?? {}));
  expect(logs.leaked(secrets)).toEqual([]);
  await close();
});

async function post(provider: string, body: unknown) {
  const res = await fetch(`${stack.url}/commands/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}
const queued = () =>
  Object.values(stack.writes.queues).reduce((n, q) => n + q.queue.depth().total, 0) +
  logs.logs('command accepted').length;
const cardInput = (ref: string, extra: Record<string, unknown> = {}) => ({
  ref,
  idList: TRELLO_SEED.lists.todo,
  name: `Card ${ref}`,
  ...extra,
});
const succeeded = (commandId: string, provider = 'trello') =>
  until(
    async () =>
      (await stack.writes.commands.get(provider, commandId))?.status === 'succeeded'
        ? stack.writes.commands.get(provider, commandId)
        : undefined,
    commandId,
  );

describe('POST /commands/{provider} on the local stack (no IAM locally)', () => {
  it('answers 202 with the command id, and the writer performs it against the simulator', async () => {
    const res = await post('trello', {
      commandId: 'route-1',
      operation: 'createCard',
      input: cardInput('R-1'),
      correlationId: 'order-77',
    });
    expect(res).toEqual({ status: 202, body: { commandId: 'route-1', status: 'queued' } });
    const outcome = await succeeded('route-1');
    expect(outcome).toMatchObject({ action: 'created', correlationId: 'order-77', ref: 'R-1' });
    expect(stack.writes.simulators.trello!.cardsWith(trelloMarker('R-1'))).toHaveLength(1);
    expect(stack.writes.simulators.trello!.log('/1/cards')[0]!.headers['x-correlation-id']).toBe('order-77');
    expect(logs.metric('CommandsAccepted', { provider: 'trello', operation: 'createCard' })).toBe(1);
  });

  it('gives a command without an id a new one', async () => {
    const res = await post('stripe', { operation: 'createCustomer', input: { ref: 'R-2', email: 'r2@example.com' } });
    expect(res.status).toBe(202);
    expect(res.body.commandId).toMatch(/^[0-9a-f-]{36}$/);
    await succeeded(String(res.body.commandId), 'stripe');
    expect(stack.writes.simulators.stripe!.customers.size).toBe(1);
  });

  it("scopes command ids per provider: a Trello caller's id never collides with a Stripe command's, each runs once", async () => {
    const id = 'shared-id-1';
    const stripeCommand = {
      commandId: id,
      operation: 'createCustomer',
      input: { ref: 'S-1', email: 's1@example.com' },
    };
    expect(await post('stripe', stripeCommand)).toEqual({ status: 202, body: { commandId: id, status: 'queued' } });
    const trelloCommand = { commandId: id, operation: 'createCard', input: cardInput('S-1') };
    expect(await post('trello', trelloCommand)).toEqual({ status: 202, body: { commandId: id, status: 'queued' } });
    // Each provider's retry of its own command is still the same command.
    expect((await post('trello', trelloCommand)).status).toBe(202);
    expect((await post('stripe', stripeCommand)).status).toBe(202);
    expect(await succeeded(id, 'stripe')).toMatchObject({ provider: 'stripe', commandId: id, action: 'created' });
    expect(await succeeded(id, 'trello')).toMatchObject({ provider: 'trello', commandId: id, action: 'created' });
    await stack.drained();
    expect(stack.writes.simulators.trello!.cardsWith(trelloMarker('S-1'))).toHaveLength(1);
    const customers = [...stack.writes.simulators.stripe!.customers.values()];
    expect(customers.filter((c) => JSON.stringify(c).includes('S-1'))).toHaveLength(1);
    expect(logs.logs('command done').filter((l) => l.command_id === id)).toHaveLength(2);
  });

  it('accepts the same command again (a caller retry) and performs it once', async () => {
    const command = { commandId: 'route-3', operation: 'createCard', input: cardInput('R-3') };
    expect((await post('trello', command)).status).toBe(202);
    expect((await post('trello', command)).status).toBe(202);
    await succeeded('route-3');
    await stack.drained();
    expect(stack.writes.simulators.trello!.cardsWith(trelloMarker('R-3'))).toHaveLength(1);
  });

  it.each([
    ['a body that is not JSON', 'trello', '{"operation":', 400, 'malformed_body'],
    ['a body that is not an object', 'trello', '[1,2]', 400, 'invalid_command'],
    [
      'an invalid command id',
      'trello',
      { commandId: 'has spaces', operation: 'createCard', input: cardInput('R-4') },
      400,
      'invalid_command',
    ],
    [
      'an input that fails the schema',
      'trello',
      { operation: 'createCard', input: { ref: 'R-5', idList: 'nope' } },
      400,
      'invalid_input',
    ],
    [
      'a provider in the body other than the route',
      'trello',
      { provider: 'stripe', operation: 'createCard', input: cardInput('R-6') },
      400,
      'invalid_command',
    ],
    [
      'an unknown operation',
      'trello',
      { operation: 'archiveBoard', input: cardInput('R-7') },
      404,
      'unknown_operation',
    ],
  ] as const)('rejects %s on /commands/%s with %i and queues nothing', async (_name, provider, body, status, error) => {
    const before = queued();
    const res = await post(provider, body);
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect(queued()).toBe(before);
    expect(logs.metric('CommandsRejected', { provider, reason: error })).toBeGreaterThanOrEqual(1);
  });

  it('names the failing fields of an invalid input, never their values', async () => {
    const res = await post('stripe', {
      operation: 'createCustomer',
      input: { ref: 'R-8', email: 'secret-looking@@value', surprise: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      'invalid input for stripe createCustomer: input.email invalid_format; input unrecognized_keys (surprise)',
    );
    expect(JSON.stringify(res.body)).not.toContain('secret-looking');
  });

  it('answers 413 for a body over the command limit, and queues nothing', async () => {
    const before = queued();
    const res = await post('trello', {
      commandId: 'route-big',
      operation: 'createCard',
      input: cardInput('R-big', { desc: 'x'.repeat(300 * 1024) }),
    });
    expect(res).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
    expect(queued()).toBe(before);
  });

  it('answers 404 for a provider without writes or no provider at all', async () => {
    expect((await post('github', { operation: 'createIssue', input: {} })).status).toBe(404);
    expect((await post('nope', { operation: 'x', input: {} })).status).toBe(404);
  });

  it('answers 409 for a command id already used with another input, and queues nothing', async () => {
    expect(
      (await post('trello', { commandId: 'route-9', operation: 'createCard', input: cardInput('R-9') })).status,
    ).toBe(202);
    await succeeded('route-9');
    const before = queued();
    const res = await post('trello', {
      commandId: 'route-9',
      operation: 'createCard',
      input: cardInput('R-9', { name: 'Other' }),
    });
    expect(res).toMatchObject({ status: 409, body: { error: 'command_conflict' } });
    expect(queued()).toBe(before);
  });
});

describe('ops: command and commands', () => {
  const ops = async (args: string[]) => {
    const run = await runCli(main, [...args, '--data-dir', stack.dataDir]);
    expect(run.stderr).toBe('');
    return run;
  };

  it('sends a command with `command` and lists outcomes with `commands --provider X --json`', async () => {
    writeFileSync(
      join(stack.dataDir, 'stack.json'),
      JSON.stringify({ url: stack.url, adminUrl: stack.adminUrl, dynamoEndpoint: stack.dynamo.endpoint }),
    );
    const sent = await ops([
      'command',
      'trello',
      'createCard',
      '--input',
      JSON.stringify(cardInput('R-10')),
      '--id',
      'ops-1',
    ]);
    expect(sent.stdout.trim()).toBe('202 {"commandId":"ops-1","status":"queued"}');
    await succeeded('ops-1');
    const listed = JSON.parse((await ops(['commands', '--provider', 'trello', '--json'])).stdout) as CommandOutcome[];
    expect(listed[0]).toMatchObject({
      commandId: 'ops-1',
      status: 'succeeded',
      action: 'created',
      ref: 'R-10',
      attempts: 1,
    });
    expect(listed.map((o) => o.updatedAt)).toEqual([...listed.map((o) => o.updatedAt)].sort().reverse());
    expect(commandsText(listed)).toMatch(
      /succeeded\s*\tcreated\s*\tops-1\tcreateCard\tR-10\t[0-9a-f]{24}\tattempts=1\tcalls=1\n/,
    );
  });
});
