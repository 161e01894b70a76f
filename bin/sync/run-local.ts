import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import { DynamoSyncState } from '../../lambdas/adapters/sync-state';
import { PowertoolsTelemetry } from '../../lambdas/adapters/telemetry';
import { createClient, realTime, telemetryObserver } from '../../lambdas/core/client';
import { DEFAULT_NAMESPACE } from '../../lambdas/core/env-contract';
import { type RunSummary, runPoll } from '../../lambdas/core/sync/run-poll';
import { TABLES } from '../../lambdas/core/tables';
import { endpointOverrides } from '../../lambdas/handlers/shared/provider-clients';
import { providers } from '../../lambdas/providers';
import type { PollSpec, ProviderDefinition } from '../../lambdas/core/provider';
import { startDynamo } from '../../local/dynamo';
import { SIMULATORS } from '../../local/polls';
import { FileSecretStore } from '../../local/secrets';
import { localDynamo } from '../ops/local-target';
import type { CliIO } from '../cli/main';

export interface RunningStack {
  dynamoEndpoint: string;
  /** The admin API: the provider's webhook queue, for what a recovery reads back. */
  adminUrl?: string;
  simulators?: Record<string, string>;
}

/** The stack `npm start` wrote to `<dataDir>/stack.json`, if its process still runs. */
export function runningStack(dataDir: string): RunningStack | undefined {
  const file = join(dataDir, 'stack.json');
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as RunningStack & { pid: number };
    process.kill(state.pid, 0);
    return state;
  } catch {
    return undefined;
  }
}

/** Something to release when the run ends. */
export type Close = () => Promise<void>;

/** The running stack's DynamoDB, else the data folder's (started here and closed after). */
export async function dynamoFor(
  dataDir: string,
  running: RunningStack | undefined,
): Promise<[DynamoDBDocument, Close]> {
  if (!running) {
    const local = await startDynamo({ dir: join(dataDir, 'dynamodb') });
    return [local.doc, () => local.close()];
  }
  return [localDynamo(running.dynamoEndpoint), async () => undefined];
}

/** `<PROVIDER>_BASE_URL` if set, else the running stack's simulator, else one started here (closed after). */
export async function endpointsFor(
  provider: ProviderDefinition,
  env: CliIO['env'],
  running: RunningStack | undefined,
  secrets: FileSecretStore,
): Promise<{ baseUrl?: string; tokenUrl?: string; close: Close }> {
  const { baseUrl, tokenUrl } = endpointOverrides(provider.name, env);
  const simulatorUrl = running?.simulators?.[provider.name];
  if (baseUrl || simulatorUrl || !SIMULATORS[provider.name])
    return { baseUrl: baseUrl ?? simulatorUrl, tokenUrl, close: async () => undefined };
  const sim = await SIMULATORS[provider.name]!(secrets);
  return { baseUrl: await sim.listen(), tokenUrl, close: () => sim.close() };
}

/**
 * What a local run of a poll or a recovery is made of: the provider's client on its endpoints, the data folder's
 * sync state, telemetry appended to `<dataDir>/logs.jsonl`.
 */
export function localSyncParts(
  provider: ProviderDefinition,
  dataDir: string,
  doc: DynamoDBDocument,
  secrets: FileSecretStore,
  endpoints: { baseUrl?: string; tokenUrl?: string },
) {
  const sink = (line: string) => appendFileSync(join(dataDir, 'logs.jsonl'), `${line}\n`);
  const telemetry = new PowertoolsTelemetry({ serviceName: 'sync-cli', namespace: DEFAULT_NAMESPACE, sink });
  const client = createClient({
    definition: provider,
    secrets,
    time: realTime,
    ...endpoints,
    onEvent: telemetryObserver(telemetry),
  });
  const state = new DynamoSyncState(doc, {
    checkpoints: TABLES.checkpoints.name,
    gaps: TABLES.gaps.name,
    quarantine: TABLES.quarantine.name,
  });
  return { telemetry, client, state };
}

/**
 * One run of a poll on this machine: the local stack's DynamoDB (or the data folder's), its secrets file, the
 * provider's simulator unless a base URL is set; logs to `<dataDir>/logs.jsonl`.
 *
 * @example
 * const summary = await runLocal(football, football.polls![0]!, { from, to }, '.local', io, () => undefined);
 */
export async function runLocal(
  provider: ProviderDefinition,
  poll: PollSpec,
  range: { from: number; to: number } | undefined,
  dataDir: string,
  io: CliIO,
  onProgress: (s: Readonly<RunSummary>) => void,
): Promise<RunSummary> {
  mkdirSync(dataDir, { recursive: true });
  const running = runningStack(dataDir);
  const secrets = new FileSecretStore(join(dataDir, 'secrets.json'));
  secrets.ensure(providers);
  const [doc, closeDynamo] = await dynamoFor(dataDir, running);
  const endpoints = await endpointsFor(provider, io.env, running, secrets).catch(async (err) => {
    await closeDynamo();
    throw err;
  });
  const { telemetry, client, state } = localSyncParts(provider, dataDir, doc, secrets, endpoints);
  const records = new DynamoRecordStore(doc, TABLES.records.name);
  try {
    const deps = { client, records, state, telemetry, now: Date.now, traceId: randomUUID(), onProgress };
    return await runPoll({ provider, poll, range }, deps);
  } finally {
    telemetry.flush();
    await endpoints.close();
    await closeDynamo();
  }
}
