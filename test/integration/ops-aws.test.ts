import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { opsMain } from '../../bin/ops/main';
import { DynamoCircuitTransitions } from '../../lambdas/adapters/circuit-store';
import { DynamoCommandStore } from '../../lambdas/adapters/command-store';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb';
import { DynamoExternalIdStore } from '../../lambdas/adapters/external-id-store';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store';
import { writeArchive } from '../../lambdas/core/archive';
import { ATTR } from '../../lambdas/core/event-message';
import { CMD_ATTR, inputHash } from '../../lambdas/core/writes';
import { football } from '../../lambdas/providers/football';
import { github } from '../../lambdas/providers/github';
import { trello } from '../../lambdas/providers/trello';
import { LambdaInvokeContract } from '../contracts/lambda-invoke';
import { SqsMoveTaskContract } from '../contracts/sqs-move-task';
import { runCli } from '../helpers/cli';
import { type Moto, startMoto } from '../helpers/moto';
import { MOTO_CREDENTIALS, MOTO_REGION, type MotoStage, seedMotoStage } from '../helpers/moto-stage';

// One stage of its own: discovery filters on the stage tag, so other files' resources on a shared server never match.
const STAGE = `motoops${process.pid}`;
const env = { ...process.env, AWS_REGION: MOTO_REGION };
const ops = opsMain();

let moto: Moto;
let proxy: SqsMoveTaskContract;
let lambda: LambdaInvokeContract;
let endpoint: string;
let stage: MotoStage;
let sqs: SQSClient;
let dynamo: DynamoDBClient;
let urls: Record<string, string>;
let tables: MotoStage['tables'];

beforeAll(async () => {
  // The SDK's default credential chain reads the process's environment, as it does for an operator.
  vi.stubEnv('AWS_ACCESS_KEY_ID', MOTO_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', MOTO_CREDENTIALS.secretAccessKey);
  moto = await startMoto();
  proxy = new SqsMoveTaskContract(moto.url);
  // moto cannot run a function: Invoke is answered in process, every other call goes through the move-task proxy.
  lambda = new LambdaInvokeContract(await proxy.start());
  endpoint = await lambda.start();
  stage = await seedMotoStage(moto.url, STAGE, [github, trello, football]);
  lambda.handlers.set(stage.pollers.football!, async () => ({ windows: 1 }));
  lambda.handlers.set(stage.recoveries.github!, async () => ({ windows: 1 }));
  ({ sqs, dynamo, urls, tables } = stage);
}, 60_000);
afterAll(async () => {
  vi.unstubAllEnvs();
  await lambda?.stop();
  await proxy?.stop();
  await moto?.stop();
});

const aws = (...argv: string[]) =>
  runCli(ops, [...argv, '--aws', '--stage', STAGE, '--endpoint-url', endpoint, '--json'], env);
const json = async <T>(...argv: string[]): Promise<T> => {
  const run = await aws(...argv);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
};
const send = (url: string, body: string, attributes: Record<string, string>) =>
  sqs.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: body,
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    }),
  );
const depth = async (url: string) =>
  Number(
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] })))
      .Attributes!.ApproximateNumberOfMessages,
  );

describe('ops --aws against moto, the stage found by its tags', () => {
  it('lists and redrives the webhook DLQ (StartMessageMoveTask through its contract), reasons kept', async () => {
    for (const id of ['e-1', 'e-2'])
      await send(urls['github-dlq']!, '{}', {
        [ATTR.provider]: 'github',
        [ATTR.eventId]: id,
        [ATTR.receivedAt]: '1714557600000',
        [ATTR.failureKind]: 'invalid_payload',
        [ATTR.failureReason]: `bad ${id}`,
        [ATTR.receiveCount]: '1',
      });
    const listed = await json<{ count: number; messages: { eventId: string; failureReason: string }[] }>(
      'dlq',
      'github',
    );
    expect(listed.messages.map((m) => [m.eventId, m.failureReason]).sort()).toEqual([
      ['e-1', 'bad e-1'],
      ['e-2', 'bad e-2'],
    ]);
    expect((await json<{ moved: number }>('redrive', 'github', '--dry-run')).moved).toBe(2);
    expect(await depth(urls['github-dlq']!)).toBe(2);
    expect(await json('redrive', 'github')).toMatchObject({ moved: 2, status: 'COMPLETED' });
    expect([await depth(urls['github-dlq']!), await depth(urls.github!)]).toEqual([0, 2]);
  });

  it('redrives a command DLQ claim holders first, and lists the outcomes with ops commands', async () => {
    const externalIds = new DynamoExternalIdStore(createDocumentClient(dynamo), tables.externalIds);
    const key = { provider: 'trello', entity: 'card', ref: 'T-9' };
    await externalIds.claim(key, 'create-1', new Date());
    const command = (commandId: string, operation: string, input: unknown) =>
      send(urls['trello-commands-dlq']!, JSON.stringify({ commandId, provider: 'trello', operation, input }), {
        [CMD_ATTR.commandId]: commandId,
        [CMD_ATTR.operation]: operation,
        [ATTR.failureKind]: 'retryable',
        [ATTR.failureReason]: 'waited too long',
      });
    const idList = '5f3c0a1b2c3d4e5f60718294';
    await command('update-1', 'updateCard', { ref: 'T-9', name: 'later' });
    await command('create-1', 'createCard', { ref: 'T-9', idList, name: 'first' });
    const listed = await json<{ messages: { commandId: string }[] }>('dlq', 'trello', '--queue', 'commands');
    expect(listed.messages.map((m) => m.commandId).sort()).toEqual(['create-1', 'update-1']);
    const plan = await json<{ phases: { claims: number; rest: number } }>(
      'redrive',
      'trello',
      '--queue',
      'commands',
      '--dry-run',
    );
    expect(plan.phases).toMatchObject({ claims: 1, rest: 1 });
    // No writer runs in moto: the redrive does not wait for the claim holder's outcome.
    const done = await json<{ moved: number }>('redrive', 'trello', '--queue', 'commands', '--no-wait');
    expect(done.moved).toBe(2);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: urls['trello-commands']!,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    expect(Messages.map((m) => m.MessageAttributes?.[CMD_ATTR.commandId]?.StringValue)).toEqual([
      'create-1',
      'update-1',
    ]);

    const store = new DynamoCommandStore(createDocumentClient(dynamo), tables.commands);
    const base = { commandId: 'c-7', provider: 'trello', operation: 'createCard', input: { ref: 'T-7' } };
    await store.accept({ ...base, inputHash: inputHash(base) }, new Date());
    const outcomes = await json<{ commandId: string; status: string }[]>('commands', '--provider', 'trello');
    expect(outcomes).toEqual([expect.objectContaining({ commandId: 'c-7', status: 'queued' })]);
  });

  // The two DLQs of scheduled runs: the poller's and a recovery's, each redriven through its function.
  it.each([
    { queue: 'scheduler', provider: 'football', kind: 'poll', name: 'fixtures', runs: 'polls', fn: 'pollers' },
    {
      queue: 'recovery',
      provider: 'github',
      kind: 'recovery',
      name: 'deliveries',
      runs: 'recoveries',
      fn: 'recoveries',
    },
  ] as const)(
    "lists the $queue DLQ with the missed $kind and its reason, and redrives it through the stage's function",
    async ({ queue, provider, kind, name, runs, fn }) => {
      const dlq = urls[`${provider}-${queue}-dlq`]!;
      await send(dlq, JSON.stringify({ provider, [kind]: name }), {
        ERROR_CODE: 'AWS.Lambda.TooManyRequestsException',
        ERROR_MESSAGE: 'Rate exceeded',
      });
      const listed = await json<{ messages: Record<string, string>[] }>('dlq', provider, '--queue', queue);
      expect(listed.messages).toEqual([
        expect.objectContaining({
          [kind]: `${provider}/${name}`,
          failureReason: 'AWS.Lambda.TooManyRequestsException: Rate exceeded',
        }),
      ]);
      const before = lambda.calls.length;
      const plan = await json<Record<string, unknown>>('redrive', provider, '--queue', queue, '--dry-run');
      expect(plan[runs]).toEqual([{ [kind]: name, messages: 1, ok: true }]);
      expect(lambda.calls.length).toBe(before);
      // The redrive runs the missed run on the stage's function, found by its tags, then empties the DLQ.
      await json('redrive', provider, '--queue', queue);
      expect(lambda.calls.slice(before).map((c) => [c.functionName, c.payload])).toEqual([
        [stage[fn][provider], { provider, [kind]: name }],
      ]);
      expect(await depth(dlq)).toBe(0);
    },
  );

  it('refuses a recovery queue for a provider without recoveries: a usage error, not a lookup', async () => {
    const none = await aws('dlq', 'football', '--queue', 'recovery');
    expect([none.code, none.stderr]).toEqual([2, expect.stringContaining('football has no recovery queue')]);
  });

  it('shows circuits, finds an archived event on S3, and retries it through the queue', async () => {
    await new DynamoCircuitTransitions(createDocumentClient(dynamo), tables.circuits).record({
      provider: 'trello',
      source: 'trello-writer',
      state: 'open',
      at: 1_000,
      openedAt: 1_000,
      halfOpenAfterMs: 30_000,
      failures: [{ at: 900, operation: 'POST /1/cards', status: 503, errorCode: 'retryable' }],
    });
    const circuits = await json<{ providers: { provider: string; state: string; nextProbeAt?: number }[] }>(
      'circuit',
      'trello',
    );
    expect(circuits.providers).toEqual([
      expect.objectContaining({ provider: 'trello', state: 'open', nextProbeAt: 31_000 }),
    ]);

    const blobs = new S3BlobStore(stage.s3, stage.bucket);
    const receivedAt = Date.now() - 60_000;
    const entry = {
      provider: 'github',
      eventId: 'd-42',
      traceId: 'd-42',
      receivedAt,
      headers: { 'x-github-event': 'issues' },
    };
    await writeArchive([{ ...entry, body: '{"action":"closed"}' }], { blobs, newId: () => 'x' });
    const found = await json<{ events: { eventId: string; type: string }[] }>('events', 'github', '--type', 'issues');
    expect(found.events).toEqual([expect.objectContaining({ eventId: 'd-42', type: 'issues.closed' })]);
    const before = await depth(urls.github!);
    expect(await json('retry', 'github', 'd-42')).toMatchObject({ found: 1, enqueued: 1 });
    expect(await depth(urls.github!)).toBe(before + 1);
  });

  it('names the stage when nothing is tagged for it', async () => {
    const run = await runCli(ops, ['dlq', 'github', '--aws', '--stage', 'nowhere', '--endpoint-url', endpoint], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no resource is tagged stage=nowhere/);
  });
});
