import type { SQSBatchResponse } from 'aws-lambda';
import { DynamoCommandStore } from '../../lambdas/adapters/command-store';
import { DynamoExternalIdStore } from '../../lambdas/adapters/external-id-store';
import { PowertoolsTelemetry } from '../../lambdas/adapters/telemetry';
import { createClient, telemetryObserver, type Client } from '../../lambdas/core/client';
import type { ClientEvent } from '../../lambdas/core/client/types';
import { toCommandMessage } from '../../lambdas/core/writes/accept';
import type { Command } from '../../lambdas/core/writes/command';
import { createWriterHandler, type WriterHandler } from '../../lambdas/handlers/command-writer';
import { stripe as stripeDef } from '../../lambdas/providers/stripe';
import { slack as slackDef } from '../../lambdas/providers/slack';
import { trello as trelloDef } from '../../lambdas/providers/trello';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { startDynamo, type LocalDynamo } from '../../local/dynamo';
import { lambdaContext } from '../../local/lambda-context';
import { LocalQueue, type StoredMessage } from '../../local/queue';
import { StripeSimulator } from '../../local/simulators/stripe';
import { SlackSimulator } from '../../local/simulators/slack';
import { TrelloSimulator } from '../../local/simulators/trello';
import type { ProviderSimulator } from '../../local/simulators/base';
import { LogCapture } from './log-capture';
import { MemorySecrets } from './memory';
import type { RetryDelay } from '../../lambdas/core/ports';
import { VirtualTime } from './virtual-time';
import { DocumentPersistenceLayer } from '../../lambdas/adapters/idempotency-store';

/** Credentials shaped like the real ones; every test scans the logs for them. */
export const SECRETS = {
  stripe: { secretKey: 'sk_test_51Hrig9Xw2eZvKYlo2C0ffee77', webhookSecret: 'whsec_rig_0123456789abcdef' },
  trello: {
    apiKey: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6',
    token: 'ATTAa9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b0a',
    appSecret: 'trello-app-secret-0001',
  },
  slack: { botToken: 'xoxb-1234567890-0987654321-rigBotTokenValue42', signingSecret: 'slack-signing-secret-0001' },
};
export const SECRET_VALUES = Object.values(SECRETS).flatMap((s) => Object.values(s));

type Name = 'stripe' | 'trello' | 'slack';

/** A breaker that stays closed, for tests that need every delivery to reach a failing provider. */
export const LENIENT_BREAKER = { consecutiveFailures: 100, failureRate: 0.99, window: 100, minimumCalls: 99 };

export interface WriterRig {
  dynamo: LocalDynamo;
  stripe: StripeSimulator;
  trello: TrelloSimulator;
  slack: SlackSimulator;
  time: VirtualTime;
  logs: LogCapture;
  events: ClientEvent[];
  queues: Record<Name, { queue: LocalQueue; dlq: LocalQueue }>;
  externalIds: DynamoExternalIdStore;
  commands: DynamoCommandStore;
  handlers: Record<Name, WriterHandler>;
  clients: Record<Name, Client>;
  /** Queues a command (or any body) on a provider's command queue. */
  send(provider: Name, command: Command | string): void;
  /** One invocation with what is visible on the queue (up to `batchSize`), as the event source: deletes what succeeded. */
  deliver(provider: Name, batchSize?: number): Promise<SQSBatchResponse>;
  /** One invocation per visible message, all at once (several Lambda instances each got one copy). */
  deliverApart(provider: Name): Promise<SQSBatchResponse[]>;
  /** Invocations until the queue is empty (failed messages are visible again at once: no real waiting), at most `rounds`. */
  drain(provider: Name, rounds?: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * The writer handler as Lambda runs it, over dynalite, with Stripe, Trello and Slack simulators on 127.0.0.1 and
 * clients on a virtual clock (retries and Retry-After waits take no real time; a hanging request times out
 * at once). Queues have a zero visibility timeout, so a failed command is redelivered on the next `deliver`.
 *
 * @example
 * const rig = await writerRig();
 * rig.send('trello', { commandId: 'c-1', provider: 'trello', operation: 'createCard', input });
 * await rig.drain('trello');
 */
export async function writerRig(
  opts: {
    maxReceiveCount?: number;
    definitions?: Partial<Record<Name, Partial<ProviderDefinition>>>;
    /** Where a failed command's delay goes (the deployed writer's ChangeMessageVisibility); default none. */
    retryDelay?: RetryDelay;
  } = {},
): Promise<WriterRig> {
  const time = new VirtualTime();
  const dynamo = await startDynamo();
  const logs = new LogCapture();
  const telemetry = new PowertoolsTelemetry({
    serviceName: 'command-writer',
    namespace: 'IntegrationStack',
    sink: logs.sink,
  });
  const stripe = new StripeSimulator({ secretKey: SECRETS.stripe.secretKey, now: time.now });
  const trello = new TrelloSimulator({ apiKey: SECRETS.trello.apiKey, token: SECRETS.trello.token, now: time.now });
  const slack = new SlackSimulator({ botToken: SECRETS.slack.botToken, now: time.now });
  const sims: ProviderSimulator[] = [stripe, trello, slack];
  await Promise.all(sims.map((s) => s.listen()));
  // A request the simulator leaves hanging times out at once in virtual time.
  for (const sim of sims)
    sim.onFault(
      (kind, _req, fault) =>
        (kind === 'hang' ||
          ((fault.kind === 'commit-then-fail' || fault.kind === 'commit-late') && fault.drop === 'hang')) &&
        setImmediate(() => time.expireTimeouts()),
    );
  const secrets = new MemorySecrets(SECRETS);
  const events: ClientEvent[] = [];
  const definitions: Record<Name, ProviderDefinition> = {
    stripe: { ...stripeDef, ...opts.definitions?.stripe },
    trello: { ...trelloDef, ...opts.definitions?.trello },
    slack: { ...slackDef, ...opts.definitions?.slack },
  };
  const client = (name: Name, baseUrl: string) =>
    createClient({
      definition: definitions[name],
      secrets,
      time,
      baseUrl,
      onEvent: [telemetryObserver(telemetry), (e) => events.push(e)],
    });
  const clients: Record<Name, Client> = {
    stripe: client('stripe', `${stripe.url}/v1`),
    trello: client('trello', trello.url),
    slack: client('slack', `${slack.url}/api`),
  };
  const queues = {} as WriterRig['queues'];
  const maxReceiveCount = opts.maxReceiveCount ?? 5;
  for (const name of ['stripe', 'trello', 'slack'] as const) {
    const dlq = new LocalQueue({ name: `${name}-commands-dlq`, visibilityTimeoutMs: 0 });
    queues[name] = {
      dlq,
      queue: new LocalQueue({
        name: `${name}-commands`,
        visibilityTimeoutMs: 0,
        maxReceiveCount,
        deadLetterQueue: dlq,
      }),
    };
  }
  const externalIds = new DynamoExternalIdStore(dynamo.doc, dynamo.tableName('externalIds'));
  const commands = new DynamoCommandStore(dynamo.doc, dynamo.tableName('commands'));
  // One writer per provider, as deployed: each its own persistence layer (its key prefix) and DLQ.
  const writer = (provider: Name): WriterHandler =>
    createWriterHandler({
      provider,
      registry: (name) => definitions[name as Name],
      clientFor: (name) => clients[name as Name],
      externalIds,
      outcomes: commands,
      persistenceStore: new DocumentPersistenceLayer({ tableName: dynamo.tableName('idempotency'), doc: dynamo.doc }),
      dlq: queues[provider].dlq,
      retryDelay: opts.retryDelay,
      maxReceiveCount,
      telemetry,
      time,
      flush: () => telemetry.flush(),
    });
  const handlers: Record<Name, WriterHandler> = {
    stripe: writer('stripe'),
    trello: writer('trello'),
    slack: writer('slack'),
  };

  const invoke = async (provider: Name, messages: StoredMessage[]): Promise<SQSBatchResponse> => {
    const { queue } = queues[provider];
    const records = messages.map((m) => queue.toRecord(m));
    const result = await handlers[provider]({ Records: records }, lambdaContext(`${provider}-command-writer`, 60_000));
    const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
    for (const r of records) if (!failed.has(r.messageId)) queue.delete(r.receiptHandle);
    return result;
  };
  const deliver = async (provider: Name, batchSize = 10): Promise<SQSBatchResponse> => {
    const batch = queues[provider].queue.receive(batchSize);
    return batch.length === 0 ? { batchItemFailures: [] } : invoke(provider, batch);
  };

  return {
    dynamo,
    stripe,
    trello,
    slack,
    time,
    logs,
    events,
    queues,
    externalIds,
    commands,
    handlers,
    clients,
    send: (provider, command) =>
      void queues[provider].queue.send(
        typeof command === 'string' ? { body: command, attributes: {} } : toCommandMessage(command),
      ),
    deliver,
    deliverApart: (provider) => Promise.all(queues[provider].queue.receive(10).map((m) => invoke(provider, [m]))),
    drain: async (provider, rounds = 20) => {
      let n = 0;
      while (queues[provider].queue.depth().total > 0 && n < rounds) {
        await deliver(provider);
        n += 1;
      }
      return n;
    },
    close: async () => {
      time.dispose();
      await Promise.all(sims.map((s) => s.close()));
      await dynamo.close();
    },
  };
}
