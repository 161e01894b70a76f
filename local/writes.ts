import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DynamoCommandStore } from '../lambdas/adapters/command-store';
import { DynamoExternalIdStore } from '../lambdas/adapters/external-id-store';
import { PowertoolsTelemetry } from '../lambdas/adapters/telemetry';
import { createClient, realTime, telemetryObserver, type Client, type Time } from '../lambdas/core/client';
import { DEFAULT_NAMESPACE } from '../lambdas/core/env-contract';
import type { SecretStore } from '../lambdas/core/ports';
import { createAcceptHandler } from '../lambdas/handlers/command-accept';
import { endpointOverrides } from '../lambdas/handlers/shared/provider-clients';
import { createWriterHandler } from '../lambdas/handlers/command-writer';
import type { ProviderDefinition } from '../lambdas/core/provider';
import type { LocalApiGateway } from './api-gateway';
import type { LocalDynamo } from './dynamo';
import { apiNoticeRecorder } from '../lambdas/core/api-notice-recorder';
import { circuitRecorder } from '../lambdas/core/circuit-recorder';
import { DynamoCircuitTransitions } from '../lambdas/adapters/circuit-store';
import { DynamoApiNoticeStore } from '../lambdas/adapters/api-notice-store';
import { EventSourceMapping } from './event-source';
import { LocalQueue } from './queue';
import { SlackSimulator } from './simulators/slack';
import { StripeSimulator } from './simulators/stripe';
import { TrelloSimulator } from './simulators/trello';
import type { ProviderSimulator } from './simulators/base';
import type { Timeline } from './simulators/timeline';
import { DocumentPersistenceLayer } from '../lambdas/adapters/idempotency-store';

export interface LocalWritesOptions {
  providers: readonly ProviderDefinition[];
  secrets: SecretStore;
  dynamo: LocalDynamo;
  api: LocalApiGateway;
  sink: (line: string) => void;
  /** `<PROVIDER>_BASE_URL` overrides (default process.env): a provider with one is not simulated. */
  env?: Record<string, string | undefined>;
  visibilityTimeoutMs: number;
  maxReceiveCount: number;
  writer?: { batchSize?: number; maxConcurrency?: number; timeoutMs?: number };
  /** The writers' clients' clock (default the real one). */
  time?: Time;
  /** The simulated providers' clock and schedule (their webhooks' retries); default real time. */
  timeline?: Timeline;
  /** Where simulators keep their data across restarts (`<dataDir>/simulators`); none: they start empty. */
  stateDir?: string;
}

export interface CommandQueues {
  queue: LocalQueue;
  dlq: LocalQueue;
}

export interface LocalWrites {
  queues: Record<string, CommandQueues>;
  simulators: { stripe?: StripeSimulator; trello?: TrelloSimulator; slack?: SlackSimulator };
  clients: Record<string, Client>;
  externalIds: DynamoExternalIdStore;
  commands: DynamoCommandStore;
  /** Starts (or resumes) the writers. */
  start(): void;
  /** Stops the writers' event source mappings, simulators left running: commands keep queueing until `start()`. */
  pause(): Promise<void>;
  stop(): Promise<void>;
}

/** Simulators for the providers that have writes, and where the client's base URL is on them. */
const SIMULATED: Record<
  string,
  { start(secrets: SecretStore, timeline?: Timeline): Promise<ProviderSimulator>; basePath: string }
> = {
  stripe: {
    start: async (s, timeline) => new StripeSimulator({ secretKey: await s.get('stripe', 'secretKey'), timeline }),
    basePath: '/v1',
  },
  trello: {
    start: async (s, timeline) =>
      new TrelloSimulator({ apiKey: await s.get('trello', 'apiKey'), token: await s.get('trello', 'token'), timeline }),
    basePath: '',
  },
  slack: {
    start: async (s) => new SlackSimulator({ botToken: await s.get('slack', 'botToken') }),
    basePath: '/api',
  },
};

/** The provider's base URL: `<PROVIDER>_BASE_URL`, else its simulator (started here), else its real one. */
async function endpointFor(
  def: ProviderDefinition,
  opts: LocalWritesOptions,
): Promise<{ baseUrl?: string; tokenUrl?: string; sim?: ProviderSimulator }> {
  const { baseUrl, tokenUrl } = endpointOverrides(def.name, opts.env ?? process.env);
  const simulated = SIMULATED[def.name];
  if (baseUrl || !simulated) return { baseUrl, tokenUrl };
  const sim = await simulated.start(opts.secrets, opts.timeline);
  if (opts.stateDir) sim.persistTo(join(opts.stateDir, `${def.name}.json`));
  return { baseUrl: `${await sim.listen()}${simulated.basePath}`, tokenUrl, sim };
}

interface WriterParts {
  def: ProviderDefinition;
  client: Client;
  externalIds: DynamoExternalIdStore;
  commands: DynamoCommandStore;
  telemetry: PowertoolsTelemetry;
  time: Time;
}

/** The provider's command queue and DLQ, and its writer behind an SQS event source, as the deployed writer is wired. */
function commandPipeline(
  p: WriterParts,
  opts: LocalWritesOptions,
): { queues: CommandQueues; mapping: EventSourceMapping } {
  const { def, telemetry } = p;
  const dlq = new LocalQueue({ name: `${def.name}-commands-dlq`, visibilityTimeoutMs: opts.visibilityTimeoutMs });
  const queue = new LocalQueue({
    name: `${def.name}-commands`,
    visibilityTimeoutMs: opts.visibilityTimeoutMs,
    maxReceiveCount: opts.maxReceiveCount,
    deadLetterQueue: dlq,
  });
  const writer = createWriterHandler({
    provider: def.name,
    registry: (name) => (name === def.name ? def : undefined),
    clientFor: (name) => (name === def.name ? p.client : undefined),
    externalIds: p.externalIds,
    outcomes: p.commands,
    // Its own, as each writer Lambda has: Powertools keeps the configuration of the first handler that uses an
    // instance.
    persistenceStore: new DocumentPersistenceLayer({
      tableName: opts.dynamo.tableName('idempotency'),
      doc: opts.dynamo.doc,
    }),
    dlq,
    retryDelay: { delay: async (handle, seconds) => void queue.changeVisibility(handle, seconds * 1000) },
    maxReceiveCount: opts.maxReceiveCount,
    telemetry,
    time: p.time,
    flush: () => telemetry.flush(),
  });
  const onError = (err: unknown) =>
    telemetry.log('error', 'writer invocation failed', { provider: def.name, error_message: (err as Error)?.message });
  const mapping = new EventSourceMapping(queue, writer, {
    functionName: `${def.name}-command-writer`,
    batchSize: opts.writer?.batchSize ?? 10,
    maxConcurrency: opts.writer?.maxConcurrency ?? 5,
    functionTimeoutMs: opts.writer?.timeoutMs ?? 60_000,
    onError,
  });
  return { queues: { queue, dlq }, mapping };
}

/**
 * Outbound writes on one machine: per provider with writes, a command queue and DLQ, the writer behind
 * an SQS event source, and `POST /commands/<provider>` (no IAM locally) to the accept handler. Stripe, Trello and
 * Slack get their simulators unless `STRIPE_BASE_URL` / `TRELLO_BASE_URL` / `SLACK_BASE_URL` point elsewhere.
 *
 * @example
 * const writes = await startLocalWrites({ providers, secrets, dynamo, api, sink, visibilityTimeoutMs: 30_000, maxReceiveCount: 5 });
 * writes.start();
 */
export async function startLocalWrites(opts: LocalWritesOptions): Promise<LocalWrites> {
  const time = opts.time ?? realTime;
  const externalIds = new DynamoExternalIdStore(opts.dynamo.doc, opts.dynamo.tableName('externalIds'));
  const commands = new DynamoCommandStore(opts.dynamo.doc, opts.dynamo.tableName('commands'));
  const telemetry = new PowertoolsTelemetry({
    serviceName: 'command-writer',
    namespace: DEFAULT_NAMESPACE,
    sink: opts.sink,
  });
  const noticeStore = new DynamoApiNoticeStore(opts.dynamo.doc, opts.dynamo.tableName('apiNotices'));
  // Breaker transitions, for `npm run ops -- circuit` and the dashboard, as the deployed writer records them.
  const circuits = new DynamoCircuitTransitions(opts.dynamo.doc, opts.dynamo.tableName('circuits'));
  const writers = opts.providers.filter((p) => p.writes);
  const queues: Record<string, CommandQueues> = {};
  const simulators: Record<string, ProviderSimulator> = {};
  const clients: Record<string, Client> = {};
  const mappings: EventSourceMapping[] = [];
  for (const def of writers) {
    const { baseUrl, tokenUrl, sim } = await endpointFor(def, opts);
    if (sim) simulators[def.name] = sim;
    // Endpoints in use and deprecation notices, for `npm run ops -- versions`, as the deployed writer records them.
    const notices = apiNoticeRecorder(noticeStore, { apiVersion: def.apiVersion?.value });
    const circuit = circuitRecorder(circuits, {
      source: `${def.name}-command-writer`,
      halfOpenAfterMs: def.circuitBreaker?.halfOpenAfterMs,
    });
    const onEvent = [telemetryObserver(telemetry), notices.listener, circuit.listener];
    const client = createClient({ definition: def, secrets: opts.secrets, time, baseUrl, tokenUrl, onEvent });
    clients[def.name] = client;
    const pipeline = commandPipeline({ def, client, externalIds, commands, telemetry, time }, opts);
    queues[def.name] = pipeline.queues;
    mappings.push(pipeline.mapping);
  }
  const acceptTelemetry = new PowertoolsTelemetry({
    serviceName: 'command-accept',
    namespace: DEFAULT_NAMESPACE,
    sink: opts.sink,
  });
  const accept = createAcceptHandler({
    registry: (name) => writers.find((p) => p.name === name),
    queueFor: (name) => queues[name]?.queue,
    outcomes: commands,
    telemetry: acceptTelemetry,
    now: () => new Date(),
    newId: randomUUID,
    flush: () => acceptTelemetry.flush(),
  });
  for (const def of writers) opts.api.addRoute('POST', `/commands/${def.name}`, accept);
  return {
    queues,
    simulators: simulators as LocalWrites['simulators'],
    clients,
    externalIds,
    commands,
    start: () => {
      for (const m of mappings) m.start();
    },
    pause: async () => void (await Promise.all(mappings.map((m) => m.stop()))),
    stop: async () => {
      await Promise.all(mappings.map((m) => m.stop()));
      await Promise.all(Object.values(simulators).map((s) => s.close()));
    },
  };
}
