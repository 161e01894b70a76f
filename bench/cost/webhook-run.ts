import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { createDocumentClient, createDynamoClient } from '../../lambdas/adapters/dynamodb';
import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import { AwsSecretStore, secretName } from '../../lambdas/adapters/secrets';
import { PowertoolsTelemetry } from '../../lambdas/adapters/telemetry';
import { messageBytes } from '../../lambdas/core/claim-check';
import { DEFAULT_NAMESPACE } from '../../lambdas/core/env-contract';
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
import { SecretsManagerContract } from '../../test/contracts/secrets-manager';
import {
  accessLogLine,
  DynamoMeter,
  emptyCounts,
  LambdaMeter,
  LATENCY_MS,
  LogMeter,
  meteredBlobs,
  meteredQueue,
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
  outcomes: Record<'written' | 'stale' | 'duplicate' | 'replayed', number>;
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

/**
 * The webhook path of a realistic mix through the deployed handler modules, every billable request
 * counted: one ingest "function" per provider (its own Secrets Manager cache, Powertools Parameters over
 * the real SDK), SQS as the local queue with sends, receives and deletes counted as the event source
 * mapping makes them (one ReceiveMessage and one DeleteMessageBatch per batch, 64 KB chunks counted),
 * the processor on the real Powertools idempotency and records store against dynalite (units metered on
 * the SDK client), the archive on the local blob store (PUTs counted), and every log line and EMF
 * document the handlers write (bytes counted). Service latencies are slept (LATENCY_MS).
 *
 * @example
 * const { events, split } = mixEvents(240);
 * const r = await runWebhooks({ events, split, batchSize: 10, logLevel: 'INFO', gzipRecords: true, endpoint });
 * r.dynamo.total().wru / r.events // write units per webhook
 */
export async function runWebhooks(opts: WebhookRunOptions): Promise<WebhookRunResult> {
  const contract = new SecretsManagerContract();
  const secretsEndpoint = await contract.start();
  const signing = secretsFor(contract);
  const blobDir = mkdtempSync(join(tmpdir(), 'bench-cost-blobs-'));
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const client = createDynamoClient({ endpoint: opts.endpoint, region: 'local', credentials });
  const peek = createDynamoClient({ endpoint: opts.endpoint, region: 'local', credentials });
  const dynamo = new DynamoMeter(client, peek);
  const counts = emptyCounts();
  const logs = new LogMeter();
  const ingestMeter = new LambdaMeter(DEFAULT_MEMORY_MB, { meter: logs, source: 'ingest' });
  const processorMeter = new LambdaMeter(DEFAULT_MEMORY_MB, { meter: logs, source: 'processor' });
  const api = { requests: 0, transferOutBytes: 0 };
  const outcomes = { written: 0, stale: 0, duplicate: 0, replayed: 0 };
  const blobs = meteredBlobs(new FileBlobStore(blobDir), counts);
  const store = new DynamoRecordStore(
    createDocumentClient(client),
    TABLES.records.name,
    opts.gzipRecords ? {} : { gzipAboveBytes: Infinity },
  );
  // What each event came to (events the idempotency layer skipped never reach the store).
  const records: RecordStore = {
    upsertIfNewer: async (...args) => {
      const outcome = await store.upsertIfNewer(...args);
      outcomes[outcome] += 1;
      return outcome;
    },
    get: (...args) => store.get(...args),
  };
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName: TABLES.idempotency.name, awsSdkV3Client: client });
  const secretsClients: SecretsManagerClient[] = [];

  const functions = new Map<
    MixProvider,
    { def: ProviderDefinition; queue: LocalQueue; ingest: IngestHandler; process: ProcessorHandler }
  >();
  for (const name of Object.keys(PROVIDER_SHARE) as MixProvider[]) {
    const def = getProvider(name)!;
    const dlq = new LocalQueue({ name: `${name}-dlq`, visibilityTimeoutMs: 3_600_000 });
    const queue = new LocalQueue({ name: `${name}-webhooks`, visibilityTimeoutMs: 3_600_000 });
    const secretsClient = new SecretsManagerClient({
      endpoint: secretsEndpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    secretsClient.middlewareStack.add(
      (next) => async (args) => {
        await sleep(LATENCY_MS.secretsManager);
        return next(args);
      },
      { step: 'build', name: 'benchLatency' },
    );
    secretsClients.push(secretsClient);
    const ingestTelemetry = new PowertoolsTelemetry({
      serviceName: 'webhook-ingest',
      namespace: DEFAULT_NAMESPACE,
      logLevel: opts.logLevel,
      sink: logs.sink('ingest'),
    });
    const processorTelemetry = new PowertoolsTelemetry({
      serviceName: 'event-processor',
      namespace: DEFAULT_NAMESPACE,
      logLevel: opts.logLevel,
      sink: logs.sink('processor'),
    });
    const ingest = createIngestHandler({
      registry: (n) => (n === name ? def : undefined),
      secrets: new AwsSecretStore(PREFIX, { client: secretsClient, maxAgeSeconds: 300 }),
      queueFor: (n) => (n === name ? meteredQueue(queue, counts) : undefined),
      blobs,
      telemetry: ingestTelemetry,
      now: () => new Date(),
      newId: randomUUID,
      flush: () => ingestTelemetry.flush(),
    });
    const process = createProcessorHandler({
      registry: getProvider,
      records,
      persistenceStore,
      dlq: meteredQueue(dlq, counts),
      maxReceiveCount: 5,
      blobs,
      archive: { blobs, newId: randomUUID },
      telemetry: processorTelemetry,
      now: Date.now,
      flush: () => processorTelemetry.flush(),
    });
    functions.set(name, { def, queue, ingest, process });
  }

  // One warm container per provider function, each handling one request at a time, as Lambda does;
  // so each container fetches its secrets once per cache TTL.
  const ingestWave = (events: MixEvent[]) =>
    pool([...functions.keys()], functions.size, (provider) =>
      pool(
        events.filter((e) => e.provider === provider),
        1,
        async (e) => {
          const f = functions.get(e.provider)!;
          const delivery = signEvent(e, f.def, signing.get(e.provider)!);
          const res = await ingestMeter.invoke(() => f.ingest(apiEvent(e.provider, delivery)));
          if (res.statusCode !== 200) throw new Error(`${e.provider} ingest answered ${res.statusCode}: ${res.body}`);
          const requestBytes =
            Buffer.byteLength(delivery.body) +
            Object.entries(delivery.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
          const responseLength = Buffer.byteLength(res.body ?? '');
          api.requests += apiRequests(requestBytes);
          api.transferOutBytes += responseLength + RESPONSE_HEADER_BYTES;
          logs.add(
            'api:access',
            accessLogLine({ path: `/webhooks/${e.provider}`, status: res.statusCode ?? 200, responseLength }),
          );
        },
      ),
    );

  let batches = 0;
  const drain = async () => {
    const work: { queue: LocalQueue; process: ProcessorHandler; event: SQSEvent }[] = [];
    for (const { queue, process } of functions.values()) {
      for (;;) {
        const received = queue.receive(opts.batchSize);
        if (received.length === 0) break;
        // One ReceiveMessage per batch (the mapping gathers up to the batch size), billed per 64 KB returned.
        counts.sqsReceives += sqsRequests(received.reduce((n, m) => n + messageBytes(m), 0));
        work.push({ queue, process, event: { Records: received.map((m) => queue.toRecord(m)) } });
      }
    }
    batches += work.length;
    await pool(work, Math.max(1, Math.floor(DYNAMO_IN_FLIGHT / opts.batchSize)), async ({ queue, process, event }) => {
      const res = await processorMeter.invoke(() => process(event, lambdaContext('event-processor', 30_000)));
      if (res.batchItemFailures.length > 0)
        throw new Error(`processor failed ${res.batchItemFailures.length} of ${event.Records.length} records`);
      // The mapping deletes what succeeded with one DeleteMessageBatch (up to 10 entries).
      counts.sqsDeletes += Math.ceil(event.Records.length / 10);
      for (const r of event.Records) queue.delete(r.receiptHandle);
    });
  };

  try {
    await ingestWave(opts.events.slice(0, opts.split));
    await drain();
    await ingestWave(opts.events.slice(opts.split));
    await drain();
    outcomes.replayed = opts.events.length - outcomes.written - outcomes.stale - outcomes.duplicate;
    return {
      events: opts.events.length,
      batches,
      api,
      ingest: ingestMeter,
      processor: processorMeter,
      counts,
      dynamo,
      secretsCalls: contract.calls.length,
      logs,
      outcomes,
    };
  } finally {
    client.destroy();
    peek.destroy();
    for (const c of secretsClients) c.destroy();
    await contract.stop();
    rmSync(blobDir, { recursive: true, force: true });
  }
}
