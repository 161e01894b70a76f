import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { DynamoRecordStore } from '../lambdas/adapters/record-store';
import { PowertoolsTelemetry } from '../lambdas/adapters/telemetry';
import { DEFAULT_NAMESPACE } from '../lambdas/core/env-contract';
import type { ProviderDefinition } from '../lambdas/core/provider';
import type { Route } from '../lambdas/core/routes/route';
import type { RouteOutcome } from '../lambdas/core/routes/run-route';
import type { ChangesView } from './observability/dashboard-page';
import { createChangeRouteHandler } from '../lambdas/handlers/change-route';
import { createChangeStreamHandler } from '../lambdas/handlers/change-stream';
import { LocalEventBus, type LocalEventBusOptions } from './event-bus';
import { LocalQueue } from './queue';
import type { RecordStream } from './record-stream';
import type { LocalWrites } from './writes';

export interface LocalChangesOptions {
  stream: RecordStream;
  records: DynamoRecordStore;
  writes: LocalWrites;
  providers: readonly ProviderDefinition[];
  routes: readonly Route[];
  dataDir: string;
  sink(line: string): void;
  /** Chaos faults on the bus (duplicate deliveries, a put that fails after it went through). */
  busFaults?: LocalEventBusOptions['faults'];
  /** Stream retries of a failing batch and the wait between them (ms). */
  streamRetries?: { retryAttempts?: number; retryDelayMs?: number };
}

export interface LocalChanges {
  bus: LocalEventBus;
  /** The change DLQ: changes no event could be made of, stream batches that kept failing, refused route commands. */
  dlq: LocalQueue;
  routes: readonly Route[];
  archiveFile: string;
  /** Per route, what its handler did with the events it got (duplicates and replays counted each time). */
  outcomes: Record<string, Record<RouteOutcome, number>>;
  /** The dashboard's section: routes and the latest events. */
  view(): ChangesView;
  drained(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Change events and routes on one machine: the records table's emulated stream into the change-stream handler
 * (the same module Lambda runs), a local bus with an archive, and each route's handler as a target. The local
 * stack wires it after its command queues, so routes queue commands exactly as `POST /commands` does.
 *
 * @example
 * const changes = startLocalChanges({ stream, records, writes, providers, routes: ROUTES, dataDir, sink });
 */
export function startLocalChanges(opts: LocalChangesOptions): LocalChanges {
  const telemetry = (serviceName: string) =>
    new PowertoolsTelemetry({ serviceName, namespace: DEFAULT_NAMESPACE, sink: opts.sink });
  const dlq = new LocalQueue({ name: 'changes-dlq', visibilityTimeoutMs: 30_000 });
  const archiveFile = join(opts.dataDir, 'changes', 'archive.jsonl');
  const bus = new LocalEventBus({ archiveFile, dlq, faults: opts.busFaults });
  const registry = (name: string) => opts.providers.find((p) => p.name === name);
  const outcomes: LocalChanges['outcomes'] = {};
  for (const route of opts.routes) {
    const counts = { skipped: 0, queued: 0, refused: 0 };
    outcomes[route.name] = counts;
    const t = telemetry('change-route');
    const handle = createChangeRouteHandler(route, {
      accept: {
        registry,
        queueFor: (provider) => opts.writes.queues[provider]?.queue,
        outcomes: opts.writes.commands,
        telemetry: t,
        now: () => new Date(),
        newId: randomUUID,
      },
      readRecord: (provider, type, key) => opts.records.get(provider, type, key),
      dlq,
      telemetry: t,
      flush: () => t.flush(),
    });
    bus.addTarget({
      name: route.name,
      invoke: async (event) => {
        counts[await handle(event as Parameters<typeof handle>[0])] += 1;
      },
    });
  }
  const streamTelemetry = telemetry('change-stream');
  opts.stream.start({
    handler: createChangeStreamHandler({ bus, dlq, telemetry: streamTelemetry, flush: () => streamTelemetry.flush() }),
    dlq,
    ...opts.streamRetries,
    onError: (err) =>
      streamTelemetry.log('error', 'change-stream invocation failed', { error_message: (err as Error)?.message }),
  });
  return {
    bus,
    dlq,
    routes: opts.routes,
    archiveFile,
    outcomes,
    view: () => changesView(opts.routes, outcomes, bus),
    drained: async () => {
      do {
        await opts.stream.drained();
        await bus.drained();
      } while (opts.stream.depth > 0);
    },
    stop: async () => {
      await opts.stream.stop();
      await bus.close();
    },
  };
}

function changesView(routes: readonly Route[], outcomes: LocalChanges['outcomes'], bus: LocalEventBus): ChangesView {
  return {
    routes: routes.map((r) => ({
      name: r.name,
      on: `${r.on.provider} ${r.on.type}`,
      does: `${r.do.provider} ${r.do.operation}`,
      matched: outcomes[r.name]!.queued + outcomes[r.name]!.refused,
      queued: outcomes[r.name]!.queued,
      refused: outcomes[r.name]!.refused,
    })),
    recent: bus.recent
      .slice(-20)
      .reverse()
      .map((e) => ({
        time: e.time,
        detailType: e['detail-type'],
        provider: e.detail.provider,
        key: e.detail.key,
        version: e.detail.version,
        changed: Object.keys(e.detail.changed),
      })),
  };
}
