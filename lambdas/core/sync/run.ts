import type { Client } from '../client/client';
import type { CallContext, Page, PagePosition } from '../client/types';
import type { IntegrationError } from '../errors';
import type { Telemetry } from '../ports';
import type { SyncRecordStore } from '../records';
import { DriftTally } from '../schema-drift';
import type { PollSpec, ProviderDefinition, SyncSource, SyncWindow } from '../provider';
import { SYNC_DEFAULTS } from './defaults';
import type { SyncEventBody, SyncListener } from './events';
import type { SyncStateStore } from './state';
import { emptySummary, type RunStop, type RunSummary } from './summary';

/**
 * Where a window's pages go: the records table (a poll), or back into the webhook path (a recovery).
 *
 * @example
 * const sink: PageSink = { open: (run, window) => async (page) => console.log(window.from, page.records.length) };
 */
export interface PageSink {
  /** The writer of one window's pages, in order; an IntegrationError it throws fails the window at that page. */
  open(run: Run, window: SyncWindow, operation: string): (page: Page, fetchedAt: number) => Promise<void>;
}

interface RunTarget {
  provider: ProviderDefinition;
  /**
   * An explicit span (a backfill): its windows on the poll's grid; the checkpoint is left alone, failures become gaps.
   */
  range?: { from: number; to: number };
  /** Where the first window of `range` continues (a resumed invocation). */
  start?: PagePosition;
  /** Overrides the poll's start date (the local stack starts a few days back). */
  startAt?: number;
}

/** One run of a poll (its pages stored as records), or of any sync source with a sink of its own. */
export type PollRunRequest = RunTarget & ({ poll: PollSpec; sink?: undefined } | { poll: SyncSource; sink: PageSink });

export interface PollRunDeps {
  client: Client;
  records: SyncRecordStore;
  state: SyncStateStore;
  telemetry: Telemetry;
  now(): number;
  /** The Lambda's remaining time; unset for the CLI, which has no limit. */
  remainingMs?: () => number;
  /** Correlates the run's calls and logs; also the lease owner. */
  traceId: string;
  onProgress?(summary: Readonly<RunSummary>): void;
  options?: Partial<typeof SYNC_DEFAULTS>;
}

/** One run in progress: what each of its steps reads, and the summary they add to. */
export interface Run {
  req: PollRunRequest;
  deps: PollRunDeps;
  /** The provider's name. */
  provider: string;
  /** The poll or recovery this run walks (its name keys the checkpoint and gaps). */
  poll: SyncSource;
  sink: PageSink;
  options: typeof SYNC_DEFAULTS;
  summary: RunSummary;
  drift: DriftTally;
  /** The run's calls: its trace id, and a deadline that leaves time to store the last page and the checkpoint. */
  callCtx: CallContext;
  startedAt: number;
  emit(event: SyncEventBody): void;
}

/**
 * A run of `req`, its events going to `report`.
 *
 * @example
 * const run = startRun(req, deps, syncObserver(deps.telemetry), req.sink ?? recordsSink);
 */
export function startRun(req: PollRunRequest, deps: PollRunDeps, report: SyncListener, sink: PageSink): Run {
  const { provider, poll } = req;
  const options = { ...SYNC_DEFAULTS, ...deps.options };
  const { traceId, remainingMs } = deps;
  return {
    req,
    deps,
    provider: provider.name,
    poll,
    sink,
    options,
    summary: emptySummary(provider.name, poll.name, req.range ? 'range' : 'scheduled'),
    drift: new DriftTally(),
    callCtx: { traceId, remainingMs: remainingMs ? () => remainingMs() - options.writeReserveMs : undefined },
    startedAt: deps.now(),
    emit: (e) => report({ provider: provider.name, poll: poll.name, traceId, ...e }),
  };
}

/**
 * The run may start no new page: less than `stopMarginMs` is left.
 *
 * @example
 * if (lowOnTime(run)) return { ok: false, position, pages, stop: 'deadline' };
 */
export const lowOnTime = (run: Run): boolean =>
  run.deps.remainingMs !== undefined && run.deps.remainingMs() < run.options.stopMarginMs;

/**
 * Tells the caller how far the run got (`onProgress`, with the time so far).
 *
 * @example
 * progress(run); // after each window and each stored page
 */
export const progress = (run: Run): void =>
  run.deps.onProgress?.({ ...run.summary, durationMs: run.deps.now() - run.startedAt });

/**
 * Ends the run short of its plan, saying why (and when the provider takes calls again).
 *
 * @example
 * stop(run, 'quota_exhausted', error, error.resumeAt);
 */
export function stop(run: Run, why: RunStop, error?: { kind: string; message: string }, resumeAt?: number): void {
  run.summary.stopped = why;
  if (error) run.summary.error = { kind: error.kind, message: error.message };
  if (resumeAt !== undefined) run.summary.resumeAt = resumeAt;
}

/** Errors after which no other window can fare better in this run. */
const STOPS_RUN = new Set(['rate_limited', 'quota_exhausted', 'circuit_open', 'auth']);

/**
 * The stop an error calls for, if no other window can fare better after it.
 *
 * @example
 * stopFor(new IntegrationError('circuit_open', 'open')) // 'circuit_open'; a 'permanent' error: undefined
 */
export const stopFor = (error: IntegrationError): RunStop | undefined =>
  STOPS_RUN.has(error.kind) ? (error.kind as RunStop) : undefined;
