import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, createDynamoClient } from '../../lambdas/adapters/dynamodb';
import type { AwsEndpointConfig } from '../../lambdas/adapters/aws-json';
import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import { AwsSecretStore, secretName } from '../../lambdas/adapters/secrets';
import { DynamoSyncState } from '../../lambdas/adapters/sync-state';
import { PowertoolsTelemetry } from '../../lambdas/adapters/telemetry';
import { createClient, realTime, telemetryObserver } from '../../lambdas/core/client';
import { DEFAULT_NAMESPACE } from '../../lambdas/core/env-contract';
import type { RunSummary } from '../../lambdas/core/sync/run-poll';
import { alignDown, instant } from '../../lambdas/core/sync/windows';
import { TABLES } from '../../lambdas/core/tables';
import { createPollerHandler } from '../../lambdas/handlers/poller';
import { football } from '../../lambdas/providers/football';
import { POLLER_MEMORY_MB } from '../../lib/poll-integration';
import { lambdaContext } from '../../local/lambda-context';
import { FootballSimulator } from '../../local/simulators';
import { SecretsManagerContract } from './secrets-manager-stub';
import { DynamoMeter, emptyCounts, LambdaMeter, LATENCY_MS, LogMeter, usageOf } from './meter';
import type { Usage } from './pricing';

const DAY = 86_400_000;
const KEY = 'bench-apisports-key';

export interface SyncRun {
  summary: RunSummary;
  usage: Usage;
  /** Per service table: write and read units. */
  tables: DynamoMeter['tables'];
  durationMs: number;
}

interface SyncRig {
  url: string;
  client: DynamoDBClient;
  peek: DynamoDBClient;
  secretsConfig: AwsEndpointConfig;
  contract: SecretsManagerContract;
  startAt: number;
}

// Not the simulator's limit under test here: fast enough that the run waits on the API, not the bucket.
const definition = { ...football, rateLimit: { requestsPerSecond: 50, burst: 50 } };
const poll = football.polls![0]!;

/** One scheduled invocation of a fresh poller container, every DynamoDB unit, secret call and log byte metered. */
async function runOnce(rig: SyncRig): Promise<SyncRun> {
  const dynamo = new DynamoMeter(rig.client, rig.peek);
  const logs = new LogMeter();
  const lambda = new LambdaMeter(POLLER_MEMORY_MB, { meter: logs, source: 'poller' });
  const telemetry = new PowertoolsTelemetry({
    serviceName: 'poller',
    namespace: DEFAULT_NAMESPACE,
    sink: logs.sink('poller'),
  });
  const calls = rig.contract.calls.length;
  const doc = createDocumentClient(rig.client);
  const poller = createPollerHandler({
    registry: (name) => (name === 'football' ? definition : undefined),
    // A new container's client: its secret cache is empty, as 15 minutes after the last run.
    clientFor: () =>
      createClient({
        definition,
        secrets: new AwsSecretStore('bench', { ...rig.secretsConfig, maxAgeSeconds: 300 }),
        time: realTime,
        baseUrl: rig.url,
        onEvent: telemetryObserver(telemetry),
      }),
    records: new DynamoRecordStore(doc, TABLES.records.name),
    state: new DynamoSyncState(doc, {
      checkpoints: TABLES.checkpoints.name,
      gaps: TABLES.gaps.name,
      quarantine: TABLES.quarantine.name,
    }),
    telemetry,
    now: Date.now,
    startAt: () => rig.startAt,
    flush: () => telemetry.flush(),
  });
  const started = performance.now();
  const context = lambdaContext('football-poller', (poll.timeoutSeconds ?? 300) * 1000);
  const summary = await lambda.invoke(() => poller({ provider: 'football', poll: 'fixtures' }, context));
  const durationMs = performance.now() - started;
  if (summary.error || summary.gapsOpen > 0) throw new Error(`sync run failed: ${JSON.stringify(summary)}`);
  const secretsCalls = rig.contract.calls.length - calls;
  const usage = usageOf({
    lambdas: [lambda],
    counts: emptyCounts(),
    dynamo: dynamo.total(),
    secretsCalls,
    logBytes: logs.sum(),
  });
  usage.schedulerInvocations = 1;
  dynamo.detach();
  return { summary, usage, tables: dynamo.tables, durationMs };
}

/**
 * The scheduled football sync as deployed: EventBridge Scheduler invokes the poller (512 MB) with
 * `{ provider, poll }`; it reads its API key from Secrets Manager (the cache has expired between runs
 * 15 minutes apart), pages through API-Football's simulator (150 ms a response, as a remote API) and
 * writes through the sync write rule (BatchGetItem first, conditional puts of what changed) and the
 * checkpoint per window, every DynamoDB unit metered. The first run backfills `days` days; the second,
 * a scheduled run later, re-fetches the poll's lookback, today and tomorrow.
 *
 * @example
 * const { first, second } = await runSync({ endpoint, days: 10 });
 * first.usage.dynamoWru / first.summary.recordsWritten // write units per record synced
 */
export async function runSync(opts: { endpoint: string; days: number }): Promise<{ first: SyncRun; second: SyncRun }> {
  const sim = new FootballSimulator({ key: KEY });
  const url = await sim.listen();
  sim.faults.update({ latencyMs: LATENCY_MS.providerApi });
  const contract = new SecretsManagerContract();
  const secretsEndpoint = await contract.start();
  contract.values.set(secretName('bench', 'football', 'apiKey'), KEY);
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const rig: SyncRig = {
    url,
    contract,
    client: createDynamoClient({ endpoint: opts.endpoint, region: 'local', credentials }),
    peek: createDynamoClient({ endpoint: opts.endpoint, region: 'local', credentials }),
    secretsConfig: { endpoint: secretsEndpoint, region: 'us-east-1', credentials },
    startAt: alignDown(Date.now() - opts.days * DAY, instant(poll.window.start), poll.window.sizeMs),
  };
  try {
    const first = await runOnce(rig);
    const second = await runOnce(rig);
    return { first, second };
  } finally {
    rig.client.destroy();
    rig.peek.destroy();
    await contract.stop();
    await sim.close();
  }
}
