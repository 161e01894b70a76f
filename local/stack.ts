import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoCircuitStore } from '../lambdas/adapters/circuit-store';
import { DynamoRecordStore } from '../lambdas/adapters/record-store';
import { providerCircuits } from '../lambdas/core/circuit-recorder';
import { PowertoolsTelemetry } from '../lambdas/adapters/telemetry';
import { DEFAULT_NAMESPACE } from '../lambdas/core/env-contract';
import { createProcessorHandler } from '../lambdas/handlers/event-processor';
import { createIngestHandler } from '../lambdas/handlers/webhook-ingest';
import { createRecordsReadHandler } from '../lambdas/handlers/records-read';
import type { Registry } from '../lambdas/core/provider';
import { SOURCE_IPS_SECRET } from '../lambdas/core/source-ips';
import { providers as allProviders } from '../lambdas/providers';
import { type ProviderDefinition, recoveryStateName } from '../lambdas/core/provider';
import { type AlarmSettings, webhookRouteKey } from '../lambdas/core/alarm-rules';
import { LocalApiGateway, type LocalApiGatewayOptions } from './api-gateway';
import { startDynamo, type LocalDynamo } from './dynamo';
import { EventSourceMapping } from './event-source';
import { startLocalPolls, type LocalPolls, type LocalPollsOptions } from './polls';
import type { RecoveryEvent } from '../lambdas/handlers/recovery';
import { startLocalRecovery, type LocalRecovery, type LocalRecoveryOptions } from './recovery';
import { LocalQueue } from './queue';
import { dashboardPage } from './observability/dashboard-page';
import { LocalMonitor } from './observability/monitor';
import { FileSecretStore } from './secrets';
import { type AdminApiParts, adminQueues, startAdminApi } from './admin-api';
import { localRequestRefusal } from './request-guard';
import { FileBlobStore } from './file-blob-store';
import { type AwsEndpointOptions, awsEndpointParts } from './aws-endpoint';
import type { ListableBlobStore, SecretStore } from '../lambdas/core/ports';
import { logFileSink } from './log-file';
import { startLocalWrites, type LocalWrites } from './writes';
import { type LocalChanges, type LocalChangesOptions, startLocalChanges } from './changes';
import { RecordStream } from './record-stream';
import { type Route, routesFor } from '../lambdas/core/routes/route';
import { ROUTES } from '../lambdas/routes';

export interface LocalStackOptions {
  port?: number;
  host?: string;
  /** Where secrets.json (and, unless `memory`, DynamoDB data and the simulators' data) live; default `.local`. */
  dataDir?: string;
  /** Keep DynamoDB and the simulators in memory: nothing persists across runs. */
  memory?: boolean;
  providers?: readonly ProviderDefinition[];
  /** SQS visibility timeout; a failed message is retried after it (default 30 s). */
  visibilityTimeoutMs?: number;
  maxReceiveCount?: number;
  processor?: { batchSize?: number; maxConcurrency?: number; timeoutMs?: number };
  /** Receives every JSON log line and EMF document the handlers emit. Default: `<dataDir>/logs.jsonl`. */
  sink?: (line: string) => void;
  /** Archive every received event under `<dataDir>/blobs/archive/` (default true). */
  archive?: boolean;
  /** The API stage's throttling, per route (`npm start` uses the dev stage's); default none. */
  throttle?: LocalApiGatewayOptions['throttle'];
  /** The local dashboard's alarm evaluation: `timeScale` 60 makes a one-minute period last a second. */
  observability?: { timeScale?: number; alarms?: AlarmSettings; tickMs?: number };
  /** Command writers (outbound writes); `env` holds `<PROVIDER>_BASE_URL` overrides (default process.env). */
  writer?: {
    batchSize?: number;
    maxConcurrency?: number;
    timeoutMs?: number;
    env?: Record<string, string | undefined>;
  };
  /** Run providers' polls on a local schedule against their simulators (`npm start` does); off unless given. */
  polls?: LocalPollsOptions;
  /** Environment for `<PROVIDER>_BASE_URL` overrides (default process.env). */
  env?: Record<string, string | undefined>;
  /**
   * Recover missed webhooks on a local schedule against the providers' simulators, which also send their webhooks to
   * the stack (`npm start` does); off unless given.
   */
  recovery?: LocalRecoveryOptions;
  /** The routes it runs (default: those of lambdas/routes.ts whose providers it serves). */
  routes?: readonly Route[];
  /** Change events: chaos faults on the bus, the stream's retries. */
  changes?: Pick<LocalChangesOptions, 'busFaults' | 'streamRetries'>;
  /** Take each request's source IP from `X-Forwarded-For` (see LocalApiGateway), to stand for callers elsewhere. */
  trustForwardedFor?: boolean;
  /** Blobs (S3) and the ingest's secrets (Secrets Manager) through the real adapters against this endpoint. */
  aws?: AwsEndpointOptions;
}

export interface ProviderQueues {
  queue: LocalQueue;
  dlq: LocalQueue;
}

export interface LocalStack {
  url: string;
  /** The providers it serves (its registry). */
  providers: readonly ProviderDefinition[];
  port: number;
  dataDir: string;
  dynamo: LocalDynamo;
  secrets: FileSecretStore;
  records: DynamoRecordStore;
  queues: Record<string, ProviderQueues>;
  api: LocalApiGateway;
  /** Claim-checked bodies and the event archive: under `<dataDir>/blobs/`, or in S3 with `aws`. */
  blobs: ListableBlobStore;
  /** The admin API `npm run ops` talks to (127.0.0.1 only; see admin-api.ts). */
  adminUrl: string;
  /** Metrics, alarm states and the dashboard at `${url}/_dashboard`. */
  monitor: LocalMonitor;
  /** Outbound writes: command queues, simulators, the mapping and outcome stores. */
  writes: LocalWrites;
  /** Scheduled polls, simulators and the `GET /records/{provider}/{type}` page, when `polls` was given. */
  polls?: LocalPolls;
  /** Missed-webhook recovery, its schedules and simulators, when `recovery` was given. */
  recovery?: LocalRecovery;
  /** Change events (the records table's stream into a local bus with an archive) and the routes on it. */
  changes: LocalChanges;
  /** Resolves when every queue is empty and no batch is running. */
  drained(): Promise<void>;
  /** Stops the event source mappings (queues keep filling), e.g. to measure ingest alone. */
  pauseProcessing(): Promise<void>;
  resumeProcessing(): void;
  stop(): Promise<void>;
}

interface Observed {
  monitor: LocalMonitor;
  /** Every line the handlers write: to the monitor (metrics, alarms) and the log output. */
  sink(line: string): void;
  close(): Promise<void>;
}

/**
 * The local CloudWatch: every EMF line becomes datapoints for alarms and charts; alarm changes are logged as SNS would
 * page.
 */
function observe(dataDir: string, opts: LocalStackOptions): Observed {
  const logFile = opts.sink ? undefined : logFileSink(join(dataDir, 'logs.jsonl'));
  const output = opts.sink ?? logFile!.write;
  const alarmLog = new PowertoolsTelemetry({ serviceName: 'local-alarms', namespace: DEFAULT_NAMESPACE, sink: output });
  const monitor = new LocalMonitor({
    namespace: DEFAULT_NAMESPACE,
    ...opts.observability,
    onTransition: (a, from) =>
      alarmLog.log(a.state === 'ALARM' ? 'warn' : 'info', `alarm ${a.state === 'ALARM' ? 'fired' : 'cleared'}`, {
        alarm: a.key,
        state: a.state,
        previous: from,
        provider: a.provider,
        value: a.value,
        threshold: a.threshold,
        runbook: a.runbook,
      }),
  });
  const sink = (line: string): void => {
    monitor.ingest(line);
    output(line);
  };
  return { monitor, sink, close: async () => logFile?.close() };
}

interface WebhookDeps {
  registry: Registry;
  dynamo: LocalDynamo;
  records: DynamoRecordStore;
  blobs: ListableBlobStore;
  archive?: { blobs: ListableBlobStore; newId(): string };
  monitor: LocalMonitor;
  sink(line: string): void;
  maxReceiveCount: number;
  visibilityTimeoutMs: number;
}

/** Per webhook provider: its queue and DLQ, its processor behind an event source mapping, watched by the monitor. */
function webhookPipelines(
  providers: readonly ProviderDefinition[],
  deps: WebhookDeps,
  opts: LocalStackOptions,
): { queues: Record<string, ProviderQueues>; mappings: EventSourceMapping[] } {
  const { visibilityTimeoutMs, maxReceiveCount, monitor } = deps;
  const telemetry = new PowertoolsTelemetry({
    serviceName: 'event-processor',
    namespace: DEFAULT_NAMESPACE,
    sink: deps.sink,
  });
  const queues: Record<string, ProviderQueues> = {};
  const mappings: EventSourceMapping[] = [];
  for (const provider of providers.filter((p) => p.webhook)) {
    const functionName = `${provider.name}-event-processor`;
    const dlq = new LocalQueue({ name: `${provider.name}-webhooks-dlq`, visibilityTimeoutMs });
    const queue = new LocalQueue({
      name: `${provider.name}-webhooks`,
      visibilityTimeoutMs,
      maxReceiveCount,
      deadLetterQueue: dlq,
    });
    queues[provider.name] = { queue, dlq };
    monitor
      .provider(provider.name)
      .webhook({ queue, dlq, route: webhookRouteKey(webhookPath(provider.name)) })
      .lambda('ingest', `${provider.name}-webhook-ingest`)
      .lambda('processor', functionName);
    const processor = createProcessorHandler({
      provider: provider.name,
      registry: deps.registry,
      records: deps.records,
      dlq,
      maxReceiveCount,
      blobs: deps.blobs,
      archive: deps.archive,
      telemetry,
      now: Date.now,
      flush: () => telemetry.flush(),
    });
    const onError = (err: unknown) => {
      monitor.recordFunctionError(functionName);
      telemetry.log('error', 'processor invocation failed', {
        provider: provider.name,
        error_message: (err as Error)?.message,
      });
    };
    mappings.push(
      new EventSourceMapping(queue, processor, {
        functionName,
        batchSize: opts.processor?.batchSize ?? 10,
        maxConcurrency: opts.processor?.maxConcurrency ?? 5,
        functionTimeoutMs: opts.processor?.timeoutMs ?? 30_000,
        onError,
      }),
    );
  }
  return { queues, mappings };
}

const webhookPath = (provider: string) => `/webhooks/${provider}`;

/** `ANY /webhooks/{provider}` for each queue, served by the ingest handler Lambda runs. */
function addIngestRoutes(
  api: LocalApiGateway,
  queues: Record<string, ProviderQueues>,
  deps: WebhookDeps & { secrets: SecretStore; sourceIps(provider: string): Promise<string | undefined> },
): void {
  const telemetry = new PowertoolsTelemetry({
    serviceName: 'webhook-ingest',
    namespace: DEFAULT_NAMESPACE,
    sink: deps.sink,
  });
  const ingest = createIngestHandler({
    registry: deps.registry,
    secrets: deps.secrets,
    queueFor: (name) => queues[name]?.queue,
    blobs: deps.blobs,
    sourceIps: deps.sourceIps,
    telemetry,
    now: () => new Date(),
    newId: randomUUID,
    flush: () => telemetry.flush(),
  });
  for (const name of Object.keys(queues)) {
    api.addRoute('ANY', webhookPath(name), async (event) => {
      try {
        return await ingest(event);
      } catch (err) {
        deps.monitor.recordFunctionError(`${name}-webhook-ingest`);
        throw err;
      }
    });
  }
}

/**
 * The same records-read handler the deployed `GET /records/{provider}/{type}` route runs (without IAM here), and each
 * poll's scheduler DLQ watched.
 */
function addPollRoutes(
  api: LocalApiGateway,
  polls: LocalPolls,
  providers: readonly ProviderDefinition[],
  deps: WebhookDeps,
): void {
  api.addRoute(
    'GET',
    '/records/{provider}/{type}',
    createRecordsReadHandler({ records: polls.records, state: polls.state, registry: deps.registry }),
  );
  for (const provider of providers) {
    for (const poll of provider.polls ?? [])
      deps.monitor.provider(provider.name).sync().queue('scheduler-dlq-not-empty', polls.dlq, poll.name);
  }
}

/**
 * Routes AWS authorises with IAM (commands, records, any added later) have no auth locally: every route but the
 * providers' webhooks refuses a browser's cross-site request and a body that is not JSON (localRequestRefusal).
 */
function guardLocalRoutes(api: LocalApiGateway): void {
  api.guard(
    (path) => !path.startsWith('/webhooks/'),
    (event) => {
      const refusal = localRequestRefusal({ method: event.requestContext.http.method, headers: event.headers });
      if (!refusal) return undefined;
      const body = JSON.stringify({ error: refusal.error });
      return { statusCode: refusal.status, headers: { 'content-type': 'application/json' }, body };
    },
  );
}

function addHealthPage(api: LocalApiGateway, queues: Record<string, ProviderQueues>): void {
  api.addPage((req, res) => {
    if (req.url !== '/_health') return false;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, providers: Object.keys(queues) }));
    return true;
  });
}

/** Resolves when every queue is empty: polls state, not time. */
async function drained(queues: ProviderQueues[]): Promise<void> {
  while (queues.some(({ queue }) => queue.depth().total > 0)) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Writes, polls and recovery: the parts that call providers, sharing the simulators writes start. */
async function startOutbound(
  opts: LocalStackOptions,
  api: LocalApiGateway,
  queues: Record<string, ProviderQueues>,
  deps: WebhookDeps & { secrets: FileSecretStore; providers: readonly ProviderDefinition[] },
) {
  const { providers, dynamo, secrets, sink, blobs, visibilityTimeoutMs, maxReceiveCount } = deps;
  const timeline = opts.recovery?.timeline;
  const stateDir = opts.memory ? undefined : join(opts.dataDir ?? '.local', 'simulators');
  const writerOpts = {
    env: opts.writer?.env,
    visibilityTimeoutMs,
    maxReceiveCount,
    writer: opts.writer,
    timeline,
    stateDir,
  };
  const writes = await startLocalWrites({ providers, secrets, dynamo, api, sink, ...writerOpts });
  const running = writes.simulators;
  const simulators = Object.fromEntries(Object.entries(running).map(([name, sim]) => [name, sim.url]));
  const polls = opts.polls
    ? await startLocalPolls({ providers, dynamo, secrets, sink, env: opts.env, simulators }, opts.polls)
    : undefined;
  if (polls) addPollRoutes(api, polls, providers, deps);
  const queueFor = (name: string) => queues[name]?.queue;
  const onError = (event: RecoveryEvent) => deps.monitor.recordFunctionError(`${event.provider}-recovery`);
  const recovery = opts.recovery
    ? await startLocalRecovery(
        { providers, dynamo, secrets, sink, queueFor, blobs, running, env: opts.env, onError },
        opts.recovery,
      )
    : undefined;
  if (recovery) watchRecovery(recovery, providers, deps.monitor);
  return { writes, polls, recovery };
}

/** What `npm run ops` reaches through the admin API: every queue and DLQ, and the scheduled runs it can run again. */
function adminParts(
  queues: Record<string, ProviderQueues>,
  { writes, polls, recovery }: Awaited<ReturnType<typeof startOutbound>>,
): Omit<AdminApiParts, 'changes'> {
  return {
    queues: adminQueues(
      queues,
      writes.queues,
      polls && { dlq: polls.dlq, providers: Object.keys(polls.clients) },
      recovery && { dlq: recovery.dlq, providers: Object.keys(recovery.clients) },
    ),
    runPoll: polls && ((provider, poll) => polls.scheduler.invoke({ provider, poll })),
    runRecovery: recovery && ((provider, name) => recovery.scheduler.invoke({ provider, recovery: name })),
  };
}

/** As the CDK stack does per provider with recoveries: the function's errors, gaps, and each recovery's DLQ. */
function watchRecovery(recovery: LocalRecovery, providers: readonly ProviderDefinition[], monitor: LocalMonitor): void {
  for (const provider of providers) {
    if (!provider.recover?.length) continue;
    const watch = monitor.provider(provider.name).sync().lambda('recovery', `${provider.name}-recovery`);
    for (const r of provider.recover) watch.queue('scheduler-dlq-not-empty', recovery.dlq, recoveryStateName(r.name));
  }
}

/** The running parts a stack's controls act on. */
interface Running {
  queues: Record<string, ProviderQueues>;
  writes: LocalWrites;
  stream: RecordStream;
  changes: LocalChanges;
  mappings: { start(): void; stop(): Promise<void> }[];
  monitor: LocalMonitor;
  api: LocalApiGateway;
  polls?: LocalPolls;
  recovery?: LocalRecovery;
  admin: { close(): Promise<void> };
  dynamo: LocalDynamo;
  closeLogs(): Promise<void>;
}

/** drained, pause and resume, stop: over the running parts, in the order they depend on each other. */
function controls(r: Running): Pick<LocalStack, 'drained' | 'pauseProcessing' | 'resumeProcessing' | 'stop'> {
  const all = [...Object.values(r.queues), ...Object.values(r.writes.queues)];
  return {
    // Changes make commands and commands make no records, but a webhook may still be queued: until all is quiet.
    drained: async () => {
      do {
        await drained(all);
        await r.changes.drained();
      } while (all.some(({ queue }) => queue.depth().total > 0) || r.stream.depth > 0);
    },
    pauseProcessing: async () => void (await Promise.all(r.mappings.map((m) => m.stop()))),
    resumeProcessing: () => {
      for (const m of r.mappings) m.start();
    },
    stop: async () => {
      r.monitor.stop();
      await r.api.close();
      await r.polls?.stop();
      await r.recovery?.stop();
      await r.admin.close();
      await Promise.all(r.mappings.map((m) => m.stop()));
      await r.changes.stop();
      await r.writes.stop();
      await r.dynamo.close();
      await r.closeLogs();
    },
  };
}

/** The dashboard page, with circuits; its change events section shows nothing until the returned setter is called. */
function addDashboard(
  api: LocalApiGateway,
  monitor: LocalMonitor,
  dynamo: LocalDynamo,
  providers: readonly ProviderDefinition[],
): (view: LocalChanges['view']) => void {
  const circuits = new DynamoCircuitStore(dynamo.doc, dynamo.tableName('circuits'));
  const names = providers.map((p) => p.name);
  let changesView: LocalChanges['view'] | undefined;
  api.addPage(
    dashboardPage(monitor, {
      circuits: async () => providerCircuits(names, await circuits.list()),
      changes: () => changesView?.() ?? { routes: [], recent: [] },
    }),
  );
  return (view) => {
    changesView = view;
  };
}

/** Change events: the records table's stream into a local bus with the routes on it, and its DLQ watched. */
function startChanges(
  opts: LocalStackOptions,
  deps: Omit<Parameters<typeof startLocalChanges>[0], 'routes'> & { monitor: LocalMonitor },
): LocalChanges {
  const { monitor, providers, ...rest } = deps;
  const routes = opts.routes ?? routesFor(ROUTES, providers);
  const changes = startLocalChanges({ ...rest, providers, routes, ...opts.changes });
  monitor.provider('changes').queue('change-dlq-not-empty', changes.dlq);
  return changes;
}

/**
 * The whole stack on one machine: the same handler modules Lambda runs, with API Gateway v2
 * events, SQS semantics, dynalite for DynamoDB, and a file for Secrets Manager.
 *
 * @example
 * const stack = await startLocalStack({ port: 0, memory: true, dataDir: tmp });
 * await fetch(`${stack.url}/webhooks/github`, { method: 'POST', headers, body });
 * await stack.drained();
 * await stack.stop();
 */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = opts.dataDir ?? '.local';
  const providers = opts.providers ?? allProviders;
  const registry = (name: string) => providers.find((p) => p.name === name);
  mkdirSync(dataDir, { recursive: true });
  const { monitor, sink, close: closeLogs } = observe(dataDir, opts);
  const secrets = new FileSecretStore(join(dataDir, 'secrets.json'));
  secrets.ensure(providers);
  const aws = opts.aws && (await awsEndpointParts(opts.aws, providers, secrets));
  const blobs = aws?.blobs ?? new FileBlobStore(join(dataDir, 'blobs'));
  // On for a provider once `.local/secrets.json` holds its list (`<provider>.webhookSourceIps`), as in AWS.
  const sourceIps = async (provider: string) => secrets.read()[provider]?.[SOURCE_IPS_SECRET];
  const ingestSecrets = aws ? { secrets: aws.secrets, sourceIps: aws.sourceIps } : { secrets, sourceIps };
  const dynamo = await startDynamo({ dir: opts.memory ? undefined : join(dataDir, 'dynamodb') });
  // Before anything writes a record: dynalite has no streams, so the local stack makes the records table's.
  const stream = new RecordStream(dynamo.client, dynamo.tableName('records'));
  const records = new DynamoRecordStore(dynamo.doc, dynamo.tableName('records'));
  const maxReceiveCount = opts.maxReceiveCount ?? 5;
  const visibilityTimeoutMs = opts.visibilityTimeoutMs ?? 30_000;
  const archive = opts.archive === false ? undefined : { blobs, newId: randomUUID };
  const deps = { registry, dynamo, records, blobs, archive, monitor, sink, maxReceiveCount, visibilityTimeoutMs };
  const { queues, mappings } = webhookPipelines(providers, deps, opts);
  const api = new LocalApiGateway({ throttle: opts.throttle, trustForwardedFor: opts.trustForwardedFor });
  guardLocalRoutes(api);
  addIngestRoutes(api, queues, { ...deps, ...ingestSecrets });
  for (const provider of providers) monitor.provider(provider.name).client();
  monitor.httpApi();
  api.observe(({ status, route }) => monitor.recordApiResponse(status, route));
  const showChanges = addDashboard(api, monitor, dynamo, providers);
  const { writes, polls, recovery } = await startOutbound(opts, api, queues, { ...deps, secrets, providers });
  addHealthPage(api, queues);
  const changes = startChanges(opts, { stream, records, writes, providers, dataDir, sink, monitor });
  showChanges(changes.view);
  const { port, url } = await api.listen(opts.port ?? 3000, opts.host ?? '127.0.0.1');
  recovery?.sendTo(url);
  const admin = await startAdminApi({ ...adminParts(queues, { writes, polls, recovery }), changes });
  for (const m of mappings) m.start();
  monitor.start();
  for (const [name, { queue, dlq }] of Object.entries(writes.queues))
    monitor.provider(name).writes({ queue }).queue('command-dlq-not-empty', dlq);
  writes.start();
  const parts = { url, providers, port, dataDir, dynamo, secrets, records, queues, api, blobs, monitor, writes, polls };
  const running = {
    queues,
    writes,
    stream,
    changes,
    mappings,
    monitor,
    api,
    polls,
    recovery,
    admin,
    dynamo,
    closeLogs,
  };
  return { ...parts, recovery, adminUrl: admin.url, changes, ...controls(running) };
}
