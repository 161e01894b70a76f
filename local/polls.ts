import { DynamoRecordStore } from '../lambdas/adapters/record-store';
import { DynamoSyncState } from '../lambdas/adapters/sync-state';
import { PowertoolsTelemetry } from '../lambdas/adapters/telemetry';
import { createClient, realTime, telemetryObserver, type Client } from '../lambdas/core/client';
import { apiNoticeRecorder } from '../lambdas/core/api-notice-recorder';
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

/**
 * Scheduled polls on the local stack: each provider with polls gets its simulator (unless
 * `<PROVIDER>_BASE_URL` points at the real API, whose key is in `.local/secrets.json`), a client, the
 * same poller handler module Lambda runs, and a local scheduler that invokes it with the scheduled event.
 *
 * @example
 * const polls = await startLocalPolls({ providers, dynamo, secrets, sink, env: process.env }, { everyMs: 60_000 });
 */
export async function startLocalPolls(
  deps: {
    providers: readonly ProviderDefinition[];
    dynamo: LocalDynamo;
    secrets: FileSecretStore;
    sink: (line: string) => void;
    env?: Record<string, string | undefined>;
  },
  opts: LocalPollsOptions = {},
): Promise<LocalPolls> {
  const env = deps.env ?? process.env;
  const withPolls = deps.providers.filter((p) => (p.polls?.length ?? 0) > 0);
  const telemetry = new PowertoolsTelemetry({ serviceName: 'poller', namespace: DEFAULT_NAMESPACE, sink: deps.sink });
  const records = new DynamoRecordStore(deps.dynamo.doc, TABLES.records.name);
  const state = new DynamoSyncState(deps.dynamo.doc, {
    checkpoints: TABLES.checkpoints.name,
    gaps: TABLES.gaps.name,
    quarantine: TABLES.quarantine.name,
  });
  const simulators: Record<string, ProviderSimulator> = {};
  const clients: Record<string, Client> = {};
  for (const provider of withPolls) {
    let { baseUrl, tokenUrl } = endpointOverrides(provider.name, env);
    const simulate = SIMULATORS[provider.name];
    if (!baseUrl && simulate) {
      const sim = await simulate(deps.secrets);
      baseUrl = await sim.listen();
      simulators[provider.name] = sim;
    }
    // Endpoints in use and deprecation notices, for `npm run ops -- versions`, as the deployed poller records them.
    const notices = apiNoticeRecorder(new DynamoApiNoticeStore(deps.dynamo.doc, deps.dynamo.tableName('apiNotices')), {
      apiVersion: provider.apiVersion?.value,
    });
    clients[provider.name] = createClient({
      definition: provider,
      secrets: deps.secrets,
      time: realTime,
      baseUrl,
      tokenUrl,
      onEvent: [telemetryObserver(telemetry), notices.listener],
    });
  }
  const now = Date.now();
  const startBack = opts.startBackMs ?? 3 * DAY;
  const startAt = new Map<string, number>();
  for (const provider of withPolls) {
    for (const poll of provider.polls!) {
      // On the poll's own grid, so windows (and gaps) line up with any other run of it.
      startAt.set(
        `${provider.name}/${poll.name}`,
        alignDown(
          Math.max(instant(poll.window.start), now - startBack),
          instant(poll.window.start),
          poll.window.sizeMs,
        ),
      );
    }
  }
  const dlq = new LocalQueue({ name: 'scheduler-dlq', visibilityTimeoutMs: 30_000 });
  const poller = createPollerHandler({
    registry: (name) => withPolls.find((p) => p.name === name),
    clientFor: (definition) => clients[definition.name]!,
    records,
    state,
    telemetry,
    now: Date.now,
    startAt: (provider, poll) => startAt.get(`${provider}/${poll}`),
    flush: () => telemetry.flush(),
  });
  const timeoutMs = Math.max(
    ...withPolls.flatMap((p) => p.polls!.map((q) => (q.timeoutSeconds ?? 300) * 1000)),
    60_000,
  );
  const scheduler = new LocalScheduler(poller, {
    functionName: 'poller',
    timeoutMs,
    dlq,
    onError: (event, err) =>
      telemetry.log('error', 'poller invocation failed', {
        provider: event.provider,
        poll: event.poll,
        error_message: (err as Error)?.message,
      }),
  });
  for (const provider of withPolls) {
    for (const poll of provider.polls!)
      scheduler.add(
        { provider: provider.name, poll: poll.name },
        opts.everyMs ?? Math.min(rateMs(poll.schedule) ?? 60_000, 60_000),
      );
  }
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
