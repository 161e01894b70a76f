import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { createDocumentClient, createDynamoClient } from '../../lambdas/adapters/dynamodb';
import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import { AwsSecretStore, secretName } from '../../lambdas/adapters/secrets';
import { PowertoolsTelemetry } from '../../lambdas/adapters/telemetry';
import { messageBytes } from '../../lambdas/core/claim-check';
import { DEFAULT_NAMESPACE } from '../../lambdas/core/env-contract';
import { INGEST_SECRETS_MAX_AGE_SECONDS } from '../../lambdas/core/ingest';
import type { BlobStore } from '../../lambdas/core/ports';
import type { RecordStore } from '../../lambdas/core/records';
import { TABLES } from '../../lambdas/core/tables';
import { createProcessorHandler, type ProcessorHandler } from '../../lambdas/handlers/event-processor';
import { createIngestHandler, type IngestHandler } from '../../lambdas/handlers/webhook-ingest';
import { getProvider } from '../../lambdas/providers';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { DEFAULT_MEMORY_MB } from '../../lib/lambda-function';
import { FileBlobStore } from '../../local/file-blob-store';
import { lambdaContext } from '../../local/lambda-context';
import { LocalQueue } from '../../local/queue';
import { devSecret } from '../../local/secrets';
import { SecretsManagerContract } from './secrets-manager-stub';
import {
  accessLogLine,
  DynamoMeter,
  emptyCounts,
  LambdaMeter,
  LATENCY_MS,
  LogMeter,
  meteredBlobs,
  meteredQueue,
  type LogSource,
  type RequestCounts,
} from './meter';
import { apiRequests, sqsRequests } from './pricing';
import { PROVIDER_SHARE, signEvent, TRELLO_CALLBACK_URL, type MixEvent, type MixProvider } from './traffic';

const PREFIX = 'bench';
/** Headers API Gateway adds to a response (date, content-type, content-length, apigw-requestid, connection). */
const RESPONSE_HEADER_BYTES = 200;
/**
 * DynamoDB requests in flight at most: dynalite is one process, and its queueing must not pose as
 * DynamoDB latency (which does not grow with load) in the measured durations.
 */
const DYNAMO_IN_FLIGHT = 10;

export interface WebhookRunOptions {
  events: MixEvent[];
  /** Events `[0, split)` are ingested and processed first, the rest after (late retries and out-of-order events). */
  split: number;
  batchSize: number;
  logLevel: 'INFO' | 'WARN';
  /** The ingest's own level, as a stage sets it (lib/stages.ts `ingestLogLevel`); default `logLevel`. */
  ingestLogLevel?: 'INFO' | 'WARN';
  /** Store records' entity data gzipped above 1 KB, as deployed (false: plain JSON, the alternative). */
  gzipRecords: boolean;
  /** dynalite's endpoint, with fresh tables. */
  endpoint: string;
}

export interface WebhookRunResult {
  events: number;
  batches: number;
  api: { requests: number; transferOutBytes: number };
  ingest: LambdaMeter;
  processor: LambdaMeter;
  counts: RequestCounts;
  dynamo: DynamoMeter;
  secretsCalls: number;
  logs: LogMeter;
  outcomes: Record<'written' | 'stale' | 'duplicate', number>;
}

/** An API Gateway HTTP API (payload 2.0) event for one delivery to `/webhooks/<provider>`. */
function apiEvent(provider: string, d: { headers: Record<string, string>; body: string }): APIGatewayProxyEventV2 {
  const now = Date.now();
  const path = `/webhooks/${provider}`;
  const domainName = 'abc123.execute-api.us-east-1.amazonaws.com';
  return {
    version: '2.0',
    routeKey: `ANY ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { ...d.headers, host: domainName, 'content-length': String(Buffer.byteLength(d.body)) },
    requestContext: {
      accountId: '000000000000',
      apiId: 'abc123',
      domainName,
      domainPrefix: 'abc123',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '140.82.115.1', userAgent: 'bench' },
      requestId: randomUUID(),
      routeKey: `ANY ${path}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: d.body,
    isBase64Encoded: false,
  };
}

async function pool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

/** Secret values of every webhook provider in the mix, in a Secrets Manager contract server (real wire protocol). */
function secretsFor(contract: SecretsManagerContract): Map<MixProvider, string> {
  const signing = new Map<MixProvider, string>();
  for (const name of Object.keys(PROVIDER_SHARE) as MixProvider[]) {
    const def = getProvider(name)!;
    for (const secret of def.secrets) {
      const value = secret === def.webhook?.callbackUrlSecret ? TRELLO_CALLBACK_URL : devSecret(def, secret);
      contract.values.set(secretName(PREFIX, name, secret), value);
      if (secret === def.webhook?.secret) signing.set(name, value);
    }
  }
  return signing;
}

/** Secrets Manager as the ingest's secret store calls it (aws-json.ts): the contract server, its latency slept. */
const SECRETS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

interface ProviderFunctions {
  def: ProviderDefinition;
  queue: LocalQueue;
  ingest: IngestHandler;
  process: ProcessorHandler;
}

/** The metered pieces of a run: what every function shares, and what each provider's functions are. */
class WebhookRig {
  readonly counts = emptyCounts();
  readonly logs = new LogMeter();
  readonly ingestMeter = new LambdaMeter(DEFAULT_MEMORY_MB, { meter: this.logs, source: 'ingest' });
  readonly processorMeter = new LambdaMeter(DEFAULT_MEMORY_MB, { meter: this.logs, source: 'processor' });
  readonly api = { requests: 0, transferOutBytes: 0 };
  readonly outcomes = { written: 0, stale: 0, duplicate: 0 };
  readonly functions = new Map<MixProvider, ProviderFunctions>();
  readonly dynamo: DynamoMeter;
  batches = 0;
  private readonly client: DynamoDBClient;
  private readonly peek: DynamoDBClient;
  private readonly blobDir = mkdtempSync(join(tmpdir(), 'bench-cost-blobs-'));

  constructor(
    private readonly opts: WebhookRunOptions,
    private readonly secretsEndpoint: string,
  ) {
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    this.client = createDynamoClient({ endpoint: opts.endpoint, region: 'local', credentials });
    this.peek = createDynamoClient({ endpoint: opts.endpoint, region: 'local', credentials });
    this.dynamo = new DynamoMeter(this.client, this.peek);
    const blobs = meteredBlobs(new FileBlobStore(this.blobDir), this.counts);
    const shared = { blobs, records: this.countedRecords() };
    for (const name of Object.keys(PROVIDER_SHARE) as MixProvider[])
      this.functions.set(name, this.providerFunctions(name, shared));
  }

  /** The records store, counting what each event came to. */
  private countedRecords(): RecordStore {
    const gzip = this.opts.gzipRecords ? {} : { gzipAboveBytes: Infinity };
    const store = new DynamoRecordStore(createDocumentClient(this.client), TABLES.records.name, gzip);
    return {
      upsertIfNewer: async (...args) => {
        const outcome = await store.upsertIfNewer(...args);
        this.outcomes[outcome] += 1;
        return outcome;
      },
      get: (...args) => store.get(...args),
    };
  }

  /** One ingest and one processor function for the provider, each with its own telemetry, as deployed. */
  private providerFunctions(name: MixProvider, shared: { blobs: BlobStore; records: RecordStore }): ProviderFunctions {
    const def = getProvider(name)!;
    const dlq = new LocalQueue({ name: `${name}-dlq`, visibilityTimeoutMs: 3_600_000 });
    const queue = new LocalQueue({ name: `${name}-webhooks`, visibilityTimeoutMs: 3_600_000 });
    const telemetry = (serviceName: string, source: LogSource) =>
      new PowertoolsTelemetry({
        serviceName,
        namespace: DEFAULT_NAMESPACE,
        logLevel: source === 'ingest' ? (this.opts.ingestLogLevel ?? this.opts.logLevel) : this.opts.logLevel,
        sink: this.logs.sink(source),
      });
    const ingestTelemetry = telemetry('webhook-ingest', 'ingest');
    const processorTelemetry = telemetry('event-processor', 'processor');
    const ingest = createIngestHandler({
      registry: (n) => (n === name ? def : undefined),
      secrets: new AwsSecretStore(PREFIX, {
        endpoint: this.secretsEndpoint,
        region: 'us-east-1',
        credentials: SECRETS_CREDENTIALS,
        maxAgeSeconds: INGEST_SECRETS_MAX_AGE_SECONDS,
      }),
      queueFor: (n) => (n === name ? meteredQueue(queue, this.counts) : undefined),
      blobs: shared.blobs,
      telemetry: ingestTelemetry,
      now: () => new Date(),
      newId: randomUUID,
      flush: () => ingestTelemetry.flush(),
    });
    const process = createProcessorHandler({
      provider: name,
      registry: getProvider,
      records: shared.records,
      dlq: meteredQueue(dlq, this.counts),
      maxReceiveCount: 5,
      blobs: shared.blobs,
      archive: { blobs: shared.blobs, newId: randomUUID },
      telemetry: processorTelemetry,
      now: Date.now,
      flush: () => processorTelemetry.flush(),
    });
    return { def, queue, ingest, process };
  }

  /** One delivery through API Gateway to the provider's ingest, its request units and transfer counted. */
  private async ingestOne(e: MixEvent, signing: Map<MixProvider, string>): Promise<void> {
    const f = this.functions.get(e.provider)!;
    const delivery = signEvent(e, f.def, signing.get(e.provider)!);
    const res = await this.ingestMeter.invoke(() => f.ingest(apiEvent(e.provider, delivery)));
    if (res.statusCode !== 200) throw new Error(`${e.provider} ingest answered ${res.statusCode}: ${res.body}`);
    const headerBytes = Object.entries(delivery.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
    const responseLength = Buffer.byteLength(res.body ?? '');
    this.api.requests += apiRequests(Buffer.byteLength(delivery.body) + headerBytes);
    this.api.transferOutBytes += responseLength + RESPONSE_HEADER_BYTES;
    const status = res.statusCode ?? 200;
    this.logs.add('api:access', accessLogLine({ path: `/webhooks/${e.provider}`, status, responseLength }));
  }

  /**
   * One warm container per provider function, each handling one request at a time, as Lambda does; so each
   * container fetches its secrets once per cache TTL.
   */
  ingestWave(events: MixEvent[], signing: Map<MixProvider, string>): Promise<void> {
    return pool([...this.functions.keys()], this.functions.size, (provider) =>
      pool(
        events.filter((e) => e.provider === provider),
        1,
        (e) => this.ingestOne(e, signing),
      ),
    );
  }

  /** Every queue emptied in batches as the event source mapping takes them: receives and deletes counted. */
  async drain(): Promise<void> {
    const work: { queue: LocalQueue; process: ProcessorHandler; event: SQSEvent }[] = [];
    for (const { queue, process } of this.functions.values()) {
      for (
        let received = queue.receive(this.opts.batchSize);
        received.length > 0;
        received = queue.receive(this.opts.batchSize)
      ) {
        // One ReceiveMessage per batch (the mapping gathers up to the batch size), billed per 64 KB returned.
        this.counts.sqsReceives += sqsRequests(received.reduce((n, m) => n + messageBytes(m), 0));
        work.push({ queue, process, event: { Records: received.map((m) => queue.toRecord(m)) } });
      }
    }
    this.batches += work.length;
    await pool(
      work,
      Math.max(1, Math.floor(DYNAMO_IN_FLIGHT / this.opts.batchSize)),
      async ({ queue, process, event }) => {
        const res = await this.processorMeter.invoke(() => process(event, lambdaContext('event-processor', 30_000)));
        if (res.batchItemFailures.length > 0)
          throw new Error(`processor failed ${res.batchItemFailures.length} of ${event.Records.length} records`);
        // The mapping deletes what succeeded with one DeleteMessageBatch (up to 10 entries).
        this.counts.sqsDeletes += Math.ceil(event.Records.length / 10);
        for (const r of event.Records) queue.delete(r.receiptHandle);
      },
    );
  }

  close(): void {
    this.client.destroy();
    this.peek.destroy();
    rmSync(this.blobDir, { recursive: true, force: true });
  }
}

/**
 * The webhook path of a realistic mix through the deployed handler modules, every billable request
 * counted: one ingest "function" per provider (its own Secrets Manager cache, the functions' secret
 * store over the wire protocol), SQS as the local queue with sends, receives and deletes counted as the event source
 * mapping makes them (one ReceiveMessage and one DeleteMessageBatch per batch, 64 KB chunks counted),
 * the processor on the records store against dynalite (units metered on the SDK's document client, whose
 * middleware counts them; in Lambda the same store runs on JsonDocumentClient), the archive on the local blob store (PUTs counted), and every log line and EMF
 * document the handlers write (bytes counted). Service latencies are slept (LATENCY_MS).
 *
 * @example
 * const { events, split } = mixEvents(240);
 * const r = await runWebhooks({ events, split, batchSize: 10, logLevel: 'INFO', gzipRecords: true, endpoint });
 * r.dynamo.total().wru / r.events // write units per webhook
 */
export async function runWebhooks(opts: WebhookRunOptions): Promise<WebhookRunResult> {
  const contract = new SecretsManagerContract({ latencyMs: LATENCY_MS.secretsManager });
  const secretsEndpoint = await contract.start();
  const signing = secretsFor(contract);
  const rig = new WebhookRig(opts, secretsEndpoint);
  try {
    await rig.ingestWave(opts.events.slice(0, opts.split), signing);
    await rig.drain();
    await rig.ingestWave(opts.events.slice(opts.split), signing);
    await rig.drain();
    return {
      events: opts.events.length,
      batches: rig.batches,
      api: rig.api,
      ingest: rig.ingestMeter,
      processor: rig.processorMeter,
      counts: rig.counts,
      dynamo: rig.dynamo,
      secretsCalls: contract.calls.length,
      logs: rig.logs,
      outcomes: rig.outcomes,
    };
  } finally {
    rig.close();
    await contract.stop();
  }
}
