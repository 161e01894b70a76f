import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoRecordStore } from '../lambdas/adapters/record-store';
import { PowertoolsTelemetry } from '../lambdas/adapters/telemetry';
import { DEFAULT_NAMESPACE } from '../lambdas/core/env-contract';
import { createProcessorHandler } from '../lambdas/handlers/event-processor';
import { createIngestHandler } from '../lambdas/handlers/webhook-ingest';
import { createRecordsReadHandler } from '../lambdas/handlers/records-read';
import { providers as allProviders } from '../lambdas/providers';
import type { ProviderDefinition } from '../lambdas/providers/types';
import type { AlarmSettings } from '../lambdas/core/alarm-rules';
import { LocalApiGateway } from './api-gateway';
import { startDynamo, type LocalDynamo } from './dynamo';
import { EventSourceMapping } from './event-source';
import { startLocalPolls, type LocalPolls, type LocalPollsOptions } from './polls';
import { LocalQueue } from './queue';
import { dashboardPage } from './observability/dashboard-page';
import { LocalMonitor } from './observability/monitor';
import { FileSecretStore } from './secrets';
import { startAdminApi } from './admin-api';
import { FileBlobStore } from './file-blob-store';
import { logFileSink } from './log-file';
import { startLocalWrites, type LocalWrites } from './writes';

export interface LocalStackOptions {
  port?: number;
  host?: string;
  /** Where secrets.json (and, unless `memory`, DynamoDB data) live; default `.local`. */
  dataDir?: string;
  /** Keep DynamoDB in memory: nothing persists across runs. */
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
  /** The S3 stand-in: claim-checked bodies and the event archive, under `<dataDir>/blobs/`. */
  blobs: FileBlobStore;
  /** The admin API `npm run ops` talks to (127.0.0.1 only; see admin-api.ts). */
  adminUrl: string;
  /** Metrics, alarm states and the dashboard at `${url}/_dashboard`. */
  monitor: LocalMonitor;
  /** Outbound writes: command queues, simulators, the mapping and outcome stores. */
  writes: LocalWrites;
  /** Scheduled polls, simulators and the `GET /records/{provider}/{type}` page, when `polls` was given. */
  polls?: LocalPolls;
  /** Resolves when every queue is empty and no batch is running. */
  drained(): Promise<void>;
  /** Stops the event source mappings (queues keep filling), e.g. to measure ingest alone. */
  pauseProcessing(): Promise<void>;
  resumeProcessing(): void;
  stop(): Promise<void>;
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
  const logFile = opts.sink ? undefined : logFileSink(join(dataDir, 'logs.jsonl'));
  const output = opts.sink ?? logFile!.write;
  const blobs = new FileBlobStore(join(dataDir, 'blobs'));
  const archive = opts.archive === false ? undefined : { blobs, newId: randomUUID };
  // Every line also feeds the local CloudWatch: EMF documents become datapoints for alarms and charts.
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

  const secrets = new FileSecretStore(join(dataDir, 'secrets.json'));
  secrets.ensure(providers);
  const dynamo = await startDynamo({ dir: opts.memory ? undefined : join(dataDir, 'dynamodb') });
  const records = new DynamoRecordStore(dynamo.doc, dynamo.tableName('records'));
  const maxReceiveCount = opts.maxReceiveCount ?? 5;
  const visibilityTimeoutMs = opts.visibilityTimeoutMs ?? 30_000;
  const timeoutMs = opts.processor?.timeoutMs ?? 30_000;

  const ingestTelemetry = new PowertoolsTelemetry({
    serviceName: 'webhook-ingest',
    namespace: DEFAULT_NAMESPACE,
    sink,
  });
  const processorTelemetry = new PowertoolsTelemetry({
    serviceName: 'event-processor',
    namespace: DEFAULT_NAMESPACE,
    sink,
  });

  const queues: Record<string, ProviderQueues> = {};
  const mappings: EventSourceMapping[] = [];
  for (const provider of providers) {
    if (!provider.webhook) continue;
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
      .webhook({ queue, dlq })
      .lambda('ingest', `${provider.name}-webhook-ingest`)
      .lambda('processor', `${provider.name}-event-processor`);
    const processor = createProcessorHandler({
      registry,
      records,
      // One per function, as each Lambda has its own: Powertools keeps the configuration of the first handler that uses an instance.
      persistenceStore: new DynamoDBPersistenceLayer({
        tableName: dynamo.tableName('idempotency'),
        awsSdkV3Client: dynamo.client,
      }),
      dlq,
      maxReceiveCount,
      blobs,
      archive,
      telemetry: processorTelemetry,
      now: Date.now,
      flush: () => processorTelemetry.flush(),
    });
    const mapping = new EventSourceMapping(queue, processor, {
      functionName: `${provider.name}-event-processor`,
      batchSize: opts.processor?.batchSize ?? 10,
      maxConcurrency: opts.processor?.maxConcurrency ?? 5,
      functionTimeoutMs: timeoutMs,
      onError: (err) => {
        monitor.recordFunctionError(`${provider.name}-event-processor`);
        processorTelemetry.log('error', 'processor invocation failed', {
          provider: provider.name,
          error_message: (err as Error)?.message,
        });
      },
    });
    mappings.push(mapping);
  }

  const ingest = createIngestHandler({
    registry,
    secrets,
    queueFor: (name) => queues[name]?.queue,
    blobs,
    telemetry: ingestTelemetry,
    now: () => new Date(),
    newId: randomUUID,
    flush: () => ingestTelemetry.flush(),
  });
  for (const provider of providers) monitor.provider(provider.name).client();
  monitor.httpApi();
  const api = new LocalApiGateway();
  api.observe(({ status }) => monitor.recordApiResponse(status));
  for (const name of Object.keys(queues)) {
    api.addRoute('ANY', `/webhooks/${name}`, async (event) => {
      try {
        return await ingest(event);
      } catch (err) {
        monitor.recordFunctionError(`${name}-webhook-ingest`);
        throw err;
      }
    });
  }
  api.addPage(dashboardPage(monitor));
  const polls = opts.polls
    ? await startLocalPolls({ providers, dynamo, secrets, sink, env: opts.env }, opts.polls)
    : undefined;
  if (polls) {
    // The same records-read handler the deployed `GET /records/{provider}/{type}` route runs (without IAM here).
    api.addRoute(
      'GET',
      '/records/{provider}/{type}',
      createRecordsReadHandler({ records: polls.records, state: polls.state, registry }),
    );
    for (const provider of providers) {
      for (const poll of provider.polls ?? [])
        monitor.provider(provider.name).sync().queue('scheduler-dlq-not-empty', polls.dlq, poll.name);
    }
  }
  api.addPage((req, res) => {
    if (req.url !== '/_health') return false;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, providers: Object.keys(queues) }));
    return true;
  });
  const writes = await startLocalWrites({
    providers,
    secrets,
    dynamo,
    api,
    sink,
    env: opts.writer?.env,
    visibilityTimeoutMs,
    maxReceiveCount,
    writer: opts.writer,
  });
  const { port, url } = await api.listen(opts.port ?? 3000, opts.host ?? '127.0.0.1');
  const admin = await startAdminApi(queues);
  for (const m of mappings) m.start();
  monitor.start();
  for (const [name, { dlq }] of Object.entries(writes.queues))
    monitor.provider(name).writes().queue('command-dlq-not-empty', dlq);
  writes.start();

  const drained = async (): Promise<void> => {
    // Polls state, not time: returns as soon as every queue is empty.
    for (;;) {
      const busy = [...Object.values(queues), ...Object.values(writes.queues)].some(
        ({ queue }) => queue.depth().total > 0,
      );
      if (!busy) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  return {
    url,
    providers,
    port,
    dataDir,
    dynamo,
    secrets,
    records,
    queues,
    api,
    blobs,
    adminUrl: admin.url,
    monitor,
    writes,
    polls,
    drained,
    pauseProcessing: async () => {
      await Promise.all(mappings.map((m) => m.stop()));
    },
    resumeProcessing: () => {
      for (const m of mappings) m.start();
    },
    stop: async () => {
      monitor.stop();
      await api.close();
      await polls?.stop();
      await admin.close();
      await Promise.all(mappings.map((m) => m.stop()));
      await writes.stop();
      await dynamo.close();
      await logFile?.close();
    },
  };
}
