import { DynamoRecordStore } from '../lambdas/adapters/record-store';
import { DynamoSyncState } from '../lambdas/adapters/sync-state';
import { PowertoolsTelemetry } from '../lambdas/adapters/telemetry';
import { createClient, realTime, telemetryObserver, type Client } from '../lambdas/core/client';
import { apiNoticeRecorder } from '../lambdas/core/api-notice-recorder';
import { circuitRecorder } from '../lambdas/core/circuit-recorder';
import { DynamoCircuitTransitions } from '../lambdas/adapters/circuit-store';
import { DynamoApiNoticeStore } from '../lambdas/adapters/api-notice-store';
import { DEFAULT_NAMESPACE } from '../lambdas/core/env-contract';
import { alignDown, instant } from '../lambdas/core/sync/windows';
import { TABLES } from '../lambdas/core/tables';
import { createPollerHandler, type PollerHandler } from '../lambdas/handlers/poller';
import { endpointOverrides } from '../lambdas/handlers/shared/provider-clients';
import type { ProviderDefinition } from '../lambdas/core/provider';
import type { LocalDynamo } from './dynamo';
import { LocalQueue } from './queue';
import { LocalScheduler, rateMs } from './scheduler';
import type { FileSecretStore } from './secrets';
import { FootballSimulator, type ProviderSimulator } from './simulators';

const DAY = 86_400_000;

export interface LocalPollsOptions {
  /** How often each poll runs locally (default: its rate, at most every 60 s; cron polls every 60 s). */
  everyMs?: number;
  /** Polls start this far back instead of their definition's start date (default 3 days): a short first backfill. */
  startBackMs?: number;
  /** Start the schedules (default true); tests invoke `scheduler.invoke` themselves. */
  autoStart?: boolean;
}

export interface LocalPolls {
  simulators: Record<string, ProviderSimulator>;
  scheduler: LocalScheduler;
  poller: PollerHandler;
  state: DynamoSyncState;
  records: DynamoRecordStore;
  clients: Record<string, Client>;
  /** Failed poller invocations (the CDK stack's scheduler DLQ). */
  dlq: LocalQueue;
  stop(): Promise<void>;
}

/** Simulators the local stack runs for providers without a `<PROVIDER>_BASE_URL`, keyed by provider. */
export const SIMULATORS: Record<string, (secrets: FileSecretStore) => Promise<ProviderSimulator>> = {
  // The limits of API-Football's Pro plan.
  football: async (secrets) =>
    new FootballSimulator({
      key: await secrets.get('football', 'apiKey'),
      limits: { perMinute: 300, dailyQuota: 7500 },
    }),
};

interface PollsDeps {
  providers: readonly ProviderDefinition[];
  dynamo: LocalDynamo;
  secrets: FileSecretStore;
  sink: (line: string) => void;
  env?: Record<string, string | undefined>;
  /** Base URLs of simulators already running (the writes' Trello), used before starting one. */
  simulators?: Record<string, string>;
}

/** A client per provider with polls: against its simulator (started here) unless `<PROVIDER>_BASE_URL` is set. */
async function pollClients(withPolls: readonly ProviderDefinition[], deps: PollsDeps, telemetry: PowertoolsTelemetry) {
  const simulators: Record<string, ProviderSimulator> = {};
  const clients: Record<string, Client> = {};
  const noticeStore = new DynamoApiNoticeStore(deps.dynamo.doc, deps.dynamo.tableName('apiNotices'));
  const circuits = new DynamoCircuitTransitions(deps.dynamo.doc, deps.dynamo.tableName('circuits'));
  for (const provider of withPolls) {
    let { baseUrl, tokenUrl } = endpointOverrides(provider.name, deps.env ?? process.env);
    baseUrl ??= deps.simulators?.[provider.name];
    const simulate = SIMULATORS[provider.name];
    if (!baseUrl && simulate) {
      const sim = await simulate(deps.secrets);
      baseUrl = await sim.listen();
      simulators[provider.name] = sim;
    }
    // Endpoints in use and deprecation notices, for `npm run ops -- versions`, as the deployed poller records them.
    const notices = apiNoticeRecorder(noticeStore, { apiVersion: provider.apiVersion?.value });
    // Breaker transitions, for `npm run ops -- circuit` and the dashboard, as the deployed poller records them.
    const circuit = circuitRecorder(circuits, {
      source: `${provider.name}-poller`,
      halfOpenAfterMs: provider.circuitBreaker?.halfOpenAfterMs,
    });
    const onEvent = [telemetryObserver(telemetry), notices.listener, circuit.listener];
    clients[provider.name] = createClient({
      definition: provider,
      secrets: deps.secrets,
      time: realTime,
      baseUrl,
      tokenUrl,
      onEvent,
    });
  }
  return { simulators, clients };
}

/**
 * Where each poll starts: `startBackMs` ago, on the poll's own grid, so windows (and gaps) line up with any other run
 * of it.
 */
function pollStarts(withPolls: readonly ProviderDefinition[], now: number, startBackMs: number): Map<string, number> {
  const startAt = new Map<string, number>();
  for (const provider of withPolls) {
    for (const poll of provider.polls!) {
      const origin = instant(poll.window.start);
      startAt.set(
        `${provider.name}/${poll.name}`,
        alignDown(Math.max(origin, now - startBackMs), origin, poll.window.sizeMs),
      );
    }
  }
  return startAt;
}

/** The scheduler invoking the poller per poll, failed invocations to its DLQ (the CDK stack's scheduler DLQ). */
function pollSchedule(
  withPolls: readonly ProviderDefinition[],
  poller: PollerHandler,
  telemetry: PowertoolsTelemetry,
  opts: LocalPollsOptions,
) {
  const dlq = new LocalQueue({ name: 'scheduler-dlq', visibilityTimeoutMs: 30_000 });
  const timeoutMs = Math.max(
    ...withPolls.flatMap((p) => p.polls!.map((q) => (q.timeoutSeconds ?? 300) * 1000)),
    60_000,
  );
  const onError = (event: { provider: string; poll: string }, err: unknown) =>
    telemetry.log('error', 'poller invocation failed', {
      provider: event.provider,
      poll: event.poll,
      error_message: (err as Error)?.message,
    });
  const scheduler = new LocalScheduler(poller, { functionName: 'poller', timeoutMs, dlq, onError });
  for (const provider of withPolls) {
    for (const poll of provider.polls!) {
      const everyMs = opts.everyMs ?? Math.min(rateMs(poll.schedule) ?? 60_000, 60_000);
      scheduler.add({ provider: provider.name, poll: poll.name }, everyMs);
    }
  }
  return { scheduler, dlq };
}

/**
 * Scheduled polls on the local stack: each provider with polls gets its simulator (unless
 * `<PROVIDER>_BASE_URL` points at the real API, whose key is in `.local/secrets.json`), a client, the
 * same poller handler module Lambda runs, and a local scheduler that invokes it with the scheduled event.
 *
 * @example
 * const polls = await startLocalPolls({ providers, dynamo, secrets, sink, env: process.env }, { everyMs: 60_000 });
 */
export async function startLocalPolls(deps: PollsDeps, opts: LocalPollsOptions = {}): Promise<LocalPolls> {
  const withPolls = deps.providers.filter((p) => (p.polls?.length ?? 0) > 0);
  const telemetry = new PowertoolsTelemetry({ serviceName: 'poller', namespace: DEFAULT_NAMESPACE, sink: deps.sink });
  const records = new DynamoRecordStore(deps.dynamo.doc, TABLES.records.name);
  const state = new DynamoSyncState(deps.dynamo.doc, {
    checkpoints: TABLES.checkpoints.name,
    gaps: TABLES.gaps.name,
    quarantine: TABLES.quarantine.name,
  });
  const { simulators, clients } = await pollClients(withPolls, deps, telemetry);
  const startAt = pollStarts(withPolls, Date.now(), opts.startBackMs ?? 3 * DAY);
  const poller = createPollerHandler({
    registry: (name) => withPolls.find((p) => p.name === name),
    secrets: deps.secrets,
    clientFor: (definition) => clients[definition.name]!,
    records,
    state,
    telemetry,
    now: Date.now,
    startAt: (provider, poll) => startAt.get(`${provider}/${poll}`),
    flush: () => telemetry.flush(),
  });
  const { scheduler, dlq } = pollSchedule(withPolls, poller, telemetry, opts);
  if (opts.autoStart ?? true) scheduler.start();
  return {
    simulators,
    scheduler,
    poller,
    state,
    records,
    clients,
    dlq,
    stop: async () => {
      await scheduler.stop();
      await Promise.all(Object.values(simulators).map((s) => s.close()));
    },
  };
}
