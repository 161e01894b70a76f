import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import { DynamoSyncState } from '../../lambdas/adapters/sync-state';
import { createClient, telemetryObserver, type Client } from '../../lambdas/core/client';
import type { ClientEvent } from '../../lambdas/core/client/types';
import { runPoll, type PollRunRequest, type RunSummary } from '../../lambdas/core/sync/run-poll';
import type { SyncStateStore } from '../../lambdas/core/sync/state';
import type { SyncRecordStore } from '../../lambdas/core/records';
import { instant } from '../../lambdas/core/sync/windows';
import { TABLES } from '../../lambdas/core/tables';
import { football, fixturesPoll } from '../../lambdas/providers/football';
import type { PollSpec, ProviderDefinition } from '../../lambdas/core/provider';
import { startDynamo, type LocalDynamo } from '../../local/dynamo';
import { FootballSimulator, type FootballSimulatorOptions } from '../../local/simulators';
import { MemorySecrets, RecordingTelemetry } from './memory';
import { VirtualTime } from './virtual-time';

export const KEY = 'apisports-test-key-5f0c2b9e';
export const DAY = 86_400_000;
export const day = (iso: string): number => instant(iso);

export interface SyncRig {
  time: VirtualTime;
  sim: FootballSimulator;
  dynamo: LocalDynamo;
  records: DynamoRecordStore;
  state: DynamoSyncState;
  telemetry: RecordingTelemetry;
  client: Client;
  definition: ProviderDefinition;
  poll: PollSpec;
  events: ClientEvent[];
  /** DynamoDB commands sent, by name (PutItem, BatchGetItem, ...). */
  commands: string[];
  run(
    opts?: Partial<Omit<PollRunRequest, 'provider' | 'poll'>> & {
      remainingMs?: () => number;
      traceId?: string;
      state?: SyncStateStore;
      records?: SyncRecordStore;
    },
  ): Promise<RunSummary>;
  /** Fixtures the simulator serves for `[from, to)` days. */
  expected(from: string, to: string): number;
  pageRequests(): { date?: string; page?: string }[];
  close(): Promise<void>;
}

/**
 * API-Football's simulator on a virtual clock (1 Sept 2024, noon UTC, three weeks into the 2024 season),
 * dynalite in memory with the stack's tables, and the football poll's client and stores.
 *
 * @example
 * const rig = await syncRig({ sim: { leagues: 2 } });
 * const summary = await rig.run({ range: { from: day('2024-08-09'), to: day('2024-08-12') } });
 */
export async function syncRig(
  opts: {
    sim?: Partial<FootballSimulatorOptions>;
    definition?: Partial<ProviderDefinition>;
    poll?: Partial<PollSpec>;
    now?: number;
  } = {},
): Promise<SyncRig> {
  const time = new VirtualTime(opts.now ?? Date.UTC(2024, 8, 1, 12));
  const sim = new FootballSimulator({ key: KEY, seasons: [2024], leagues: 4, pageSize: 5, now: time.now, ...opts.sim });
  await sim.listen();
  sim.onFault((kind) => kind === 'hang' && setImmediate(() => time.expireTimeouts()));
  const dynamo = await startDynamo();
  const commands: string[] = [];
  dynamo.client.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  const records = new DynamoRecordStore(dynamo.doc, TABLES.records.name);
  const state = new DynamoSyncState(dynamo.doc, {
    checkpoints: TABLES.checkpoints.name,
    gaps: TABLES.gaps.name,
    quarantine: TABLES.quarantine.name,
  });
  const telemetry = new RecordingTelemetry();
  const poll: PollSpec = { ...(fixturesPoll as PollSpec), ...opts.poll };
  const definition: ProviderDefinition = { ...football, polls: [poll], ...opts.definition };
  const events: ClientEvent[] = [];
  const client = createClient({
    definition,
    secrets: new MemorySecrets({ football: { apiKey: KEY } }),
    time,
    baseUrl: sim.url,
    onEvent: [(e) => events.push(e), telemetryObserver(telemetry)],
  });
  let runs = 0;
  return {
    time,
    sim,
    dynamo,
    records,
    state,
    telemetry,
    client,
    definition,
    poll,
    events,
    commands,
    run: (o = {}) => {
      const { remainingMs, traceId, state: store, records: recordStore, ...req } = o;
      return runPoll(
        { provider: definition, poll, ...req },
        {
          client,
          records: recordStore ?? records,
          state: store ?? state,
          telemetry,
          now: time.now,
          remainingMs,
          traceId: traceId ?? `run-${++runs}`,
        },
      );
    },
    expected: (from, to) => sim.fixtures.filter((f) => f.kickoff >= day(from) && f.kickoff < day(to)).length,
    pageRequests: () => sim.log('/fixtures').map((r) => ({ date: r.query.date, page: r.query.page })),
    close: async () => {
      time.dispose();
      await sim.close();
      await dynamo.close();
    },
  };
}

/** An object that forwards every method to `target` except those in `overrides` (a store that fails or waits on cue). */
export function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (prop in overrides) return overrides[prop as keyof T];
      const value = Reflect.get(t, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}
