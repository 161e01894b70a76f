import type { Client } from '../client/client';
import { operationOf } from '../client/request-url';
import type { CallContext, ClientEvent, Page, PagePosition } from '../client/types';
import type { IntegrationError } from '../errors';
import type { Telemetry } from '../ports';
import { DriftTally } from '../schema-drift';
import type { SyncRecord, SyncRecordStore } from '../records';
import type { PollSpec, ProviderDefinition, SyncWindow } from '../../providers/types';
import { contentHash } from './content-hash';
import { SYNC_DEFAULTS } from './defaults';
import type { SyncEventBody } from './events';
import { syncObserver } from './observer';
import type { Checkpoint, Gap, QuarantineEntry, SyncStateStore } from './state';
import { emptySummary, type RunStop, type RunSummary } from './summary';
import { instant, planWindows, scheduledSpan } from './windows';

export { SYNC_DEFAULTS };
export { emptySummary, SUMMARY_COUNTS, type RunStop, type RunSummary } from './summary';

export interface PollRunRequest {
  provider: ProviderDefinition;
  poll: PollSpec;
  /** An explicit span (a backfill): its windows on the poll's grid; the checkpoint is left alone, failures become gaps. */
  range?: { from: number; to: number };
  /** Where the first window of `range` continues (a resumed invocation). */
  start?: PagePosition;
  /** Overrides the poll's start date (the local stack starts a few days back). */
  startAt?: number;
}

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

type WindowOutcome =
  | { ok: true }
  | { ok: false; position?: PagePosition; pages: number; stop?: 'deadline'; error?: IntegrationError };

/** Errors after which no other window can fare better in this run. */
const STOPS_RUN = new Set(['rate_limited', 'quota_exhausted', 'circuit_open', 'auth']);

/**
 * Runs one poll: a scheduled run (no `range`) drains up to `gapsPerRun` gaps, then syncs from its
 * checkpoint (or start date) to now, advancing the checkpoint after each completed window; a range run
 * (a backfill) syncs the windows of `range`. Each window pages through the client, validates, and
 * writes only new or changed records; a failed window becomes a gap, a run short of time or rate
 * limited saves its page position and stops cleanly. Never throws for provider failures; a store
 * failure (DynamoDB) throws, and the run is retried whole (records writes are idempotent).
 *
 * @example
 * const summary = await runPoll({ provider: football, poll: football.polls![0]! }, { client, records, state, telemetry, now: Date.now, traceId, remainingMs: () => context.getRemainingTimeInMillis() });
 * if (summary.stopped === 'quota_exhausted') console.log(`paused until ${new Date(summary.resumeAt!).toISOString()}`);
 */
export async function runPoll(req: PollRunRequest, deps: PollRunDeps): Promise<RunSummary> {
  const { provider, poll } = req;
  const o = { ...SYNC_DEFAULTS, ...deps.options };
  const started = deps.now();
  const s = emptySummary(provider.name, poll.name, req.range ? 'range' : 'scheduled');
  const report = syncObserver(deps.telemetry);
  const emit = (e: SyncEventBody) => report({ provider: provider.name, poll: poll.name, traceId: deps.traceId, ...e });
  const progress = () => deps.onProgress?.({ ...s, durationMs: deps.now() - started });
  const lowOnTime = () => deps.remainingMs !== undefined && deps.remainingMs() < o.stopMarginMs;
  const callCtx: CallContext = {
    traceId: deps.traceId,
    remainingMs: deps.remainingMs ? () => deps.remainingMs!() - o.writeReserveMs : undefined,
  };
  const stop = (why: RunStop, error?: IntegrationError | { kind: string; message: string }, resumeAt?: number) => {
    s.stopped = why;
    if (error) s.error = { kind: error.kind, message: error.message };
    if (resumeAt !== undefined) s.resumeAt = resumeAt;
  };

  const drift = new DriftTally();

  const offEvents = deps.client.onEvent((e: ClientEvent) => {
    if (e.type !== 'attempt' || e.traceId !== deps.traceId) return;
    s.requests += 1;
    if (e.outcome === 'rate_limited') s.http429 += 1;
    if (e.attempt > 1) s.retries += 1;
  });

  /** Validated records -> stable key, content hash -> written only if new or changed; the bad ones quarantined. */
  async function storePage(window: SyncWindow, page: Page, fetchedAt: number, operation: string): Promise<void> {
    if (page.drift?.length) drift.merge(page.drift);
    const bad: QuarantineEntry[] = page.quarantined.map((q) => ({
      ...q,
      window,
      position: page.position,
      id: contentHash(q.record),
    }));
    const byKey = new Map<string, SyncRecord>();
    page.records.forEach((raw, index) => {
      try {
        const r = poll.record(raw);
        if (byKey.has(r.key)) s.recordsUnchanged += 1; // the provider repeated it on this page
        byKey.set(r.key, { key: r.key, version: r.version, data: r.data, hash: contentHash(r.data, r.version) });
      } catch (err) {
        bad.push({
          index,
          record: raw,
          reason: `mapping: ${(err as Error).message}`.slice(0, 300),
          window,
          position: page.position,
          id: contentHash(raw),
        });
        emit({ type: 'record_unmapped', operation });
      }
    });
    const records = [...byKey.values()];
    const outcomes =
      records.length > 0
        ? await deps.records.putIfChanged(provider.name, poll.type, records, {
            fetchedAt,
            source: poll.name,
            now: deps.now(),
          })
        : [];
    for (const outcome of outcomes) {
      if (outcome === 'written') s.recordsWritten += 1;
      else if (outcome === 'unchanged') s.recordsUnchanged += 1;
      else s.recordsStale += 1;
    }
    if (bad.length > 0) {
      s.recordsQuarantined += bad.length;
      await deps.state.quarantine(provider.name, poll.name, bad, deps.now());
    }
  }

  /** Pages through one window from `start`; follows `max_pages` on; stops before a page when time runs short. */
  async function syncWindow(
    window: SyncWindow,
    start: PagePosition | undefined,
    saveEvery?: (position: PagePosition, pages: number) => Promise<void>,
  ): Promise<WindowOutcome> {
    const request = poll.request(window);
    const operation = request.operation ?? operationOf(request);
    let position = start;
    let pages = 0;
    let fetched = 0;
    // One page is written while the next is fetched; every exit waits for it, so a window never ends with a page unwritten.
    let writing: Promise<void> = Promise.resolve();
    const write = async (page: Page, fetchedAt: number) => {
      await writing;
      const p = storePage(window, page, fetchedAt, operation).then(() => {
        pages += 1;
        s.pages += 1;
        progress();
      });
      p.catch(() => undefined); // awaited (and thrown) at the next page or exit
      writing = p;
    };
    for (;;) {
      if (lowOnTime()) return { ok: false, position, pages, stop: 'deadline' };
      let resumeAt: PagePosition | undefined;
      for await (const result of deps.client.paginate(request, poll.pagination, callCtx, {
        schema: poll.schema,
        start: position,
      })) {
        if (!result.ok) {
          await writing;
          // A call cut short by the run's own deadline is a clean stop, not a failed window.
          const outOfTime = result.error.kind === 'timeout' && lowOnTime();
          return {
            ok: false,
            position: result.position,
            pages,
            ...(outOfTime ? { stop: 'deadline' as const } : { error: result.error }),
          };
        }
        await write(result.page, deps.now());
        fetched += 1;
        const { stop: end, next } = result.page;
        if (end === 'max_pages' && next) {
          resumeAt = next;
          break;
        }
        if (end || !next) {
          await writing;
          return { ok: true };
        }
        position = next;
        if (saveEvery && fetched % o.progressEveryPages === 0) {
          await writing;
          await saveEvery(position, pages);
        }
        if (lowOnTime()) {
          await writing;
          return { ok: false, position, pages, stop: 'deadline' };
        }
      }
      await writing;
      if (!resumeAt) return { ok: true };
      position = resumeAt;
    }
  }

  const failed = (w: SyncWindow, out: Extract<WindowOutcome, { ok: false }>) => {
    s.windowsFailed += 1;
    const errorCode = out.error?.kind ?? out.stop;
    emit({ type: 'window_failed', window: w, errorCode, errorMessage: out.error?.message, pages: out.pages });
  };

  /** Creates or updates the gap of window `w`; a run out of time counts no attempt and keeps the last error. */
  const recordGap = async (
    w: SyncWindow,
    why: { kind: string; message: string; position?: PagePosition; countAttempt: boolean },
    existed: boolean,
  ) => {
    await deps.state.recordGap(provider.name, poll.name, {
      from: w.from,
      to: w.to,
      errorKind: why.kind,
      lastError: why.message,
      position: why.position,
      now: deps.now(),
      countAttempt: why.countAttempt,
    });
    if (!existed) s.gapsOpened += 1;
  };
  const OUT_OF_TIME = 'the run ran out of time inside this window';
  const why = (out: Extract<WindowOutcome, { ok: false }>, previous?: Gap) =>
    out.error
      ? {
          kind: out.error.kind,
          message: out.error.message,
          position: out.position ?? previous?.position,
          countAttempt: true,
        }
      : {
          kind: previous?.errorKind ?? 'deadline',
          message: previous?.lastError ?? OUT_OF_TIME,
          position: out.position ?? previous?.position,
          countAttempt: false,
        };

  const stopFor = (error: IntegrationError): RunStop | undefined =>
    STOPS_RUN.has(error.kind) ? (error.kind as RunStop) : undefined;

  const quotaLog = (error: IntegrationError) => {
    if (error.kind === 'quota_exhausted' || error.kind === 'rate_limited')
      emit({ type: 'provider_paused', errorCode: error.kind, errorMessage: error.message, resumeAt: error.resumeAt });
  };

  async function scheduled(): Promise<void> {
    const owner = deps.traceId;
    const leaseUntil = () => deps.now() + Math.min(o.leaseMs, deps.remainingMs?.() ?? o.leaseMs);
    if (!(await deps.state.acquireLease(provider.name, poll.name, owner, deps.now(), leaseUntil()))) {
      emit({ type: 'run_busy' });
      return stop('busy');
    }
    try {
      const cp: Checkpoint = (await deps.state.getCheckpoint(provider.name, poll.name)) ?? {};
      if (cp.resumeAt !== undefined && cp.resumeAt > deps.now()) {
        emit({ type: 'run_paused', resumeAt: cp.resumeAt, reason: cp.resumeReason });
        return stop('paused', { kind: 'paused', message: cp.resumeReason ?? 'paused' }, cp.resumeAt);
      }
      const runStart = deps.now();
      const open = await deps.state.gaps(provider.name, poll.name);
      const openAt = new Set(open.map((g) => g.from));
      const drain = [...open]
        .sort((a, b) => a.lastAttemptAt - b.lastAttemptAt || a.from - b.from)
        .slice(0, poll.gapsPerRun ?? o.gapsPerRun);
      const span = scheduledSpan(poll, cp.cursor, runStart, req.startAt);
      const frontier = planWindows(span.from, span.to, poll.window.sizeMs, span.anchor);
      s.windowsPlanned = drain.length + frontier.length;
      s.cursor = cp.cursor;
      emit({
        type: 'run_started',
        mode: 'scheduled',
        gaps: drain.length,
        windows: frontier.length,
        from: span.from,
        cursor: cp.cursor,
      });
      progress();
      const done = new Set<number>();

      for (const gap of drain) {
        const out = await syncWindow(gap, gap.position);
        if (out.ok) {
          await deps.state.closeGap(provider.name, poll.name, gap.from);
          openAt.delete(gap.from);
          done.add(gap.from);
          s.windows += 1;
          s.gapsClosed += 1;
          emit({ type: 'gap_closed', window: gap, attempts: gap.attempts });
          progress();
          continue;
        }
        failed(gap, out);
        await recordGap(gap, why(out, gap), true);
        if (out.error && gap.attempts + 1 >= o.gapFailingAttempts) {
          const { attempts, firstFailedAt } = gap;
          emit({ type: 'gap_failing', window: gap, attempts: attempts + 1, errorCode: out.error.kind, firstFailedAt });
        }
        if (out.stop) return stop('deadline');
        const halt = stopFor(out.error!);
        if (halt) {
          quotaLog(out.error!);
          if (halt === 'rate_limited' || halt === 'quota_exhausted')
            await deps.state.saveProgress(provider.name, poll.name, {
              resumeAt: out.error!.resumeAt,
              resumeReason: out.error!.message,
              now: deps.now(),
            });
          return stop(halt, out.error, out.error!.resumeAt);
        }
      }

      for (const w of frontier) {
        if (done.has(w.from)) continue;
        // Only windows over by the time the run started are final: later ones are fetched again next run.
        const final = w.to <= runStart;
        const resumeFrom = cp.inProgress?.from === w.from ? cp.inProgress.position : undefined;
        const save = final
          ? (position: PagePosition, pages: number) =>
              deps.state.saveProgress(provider.name, poll.name, {
                inProgress: { from: w.from, to: w.to, position, pages },
                now: deps.now(),
              })
          : undefined;
        const out = await syncWindow(w, resumeFrom, save);
        if (out.ok) {
          s.windows += 1;
          if (openAt.has(w.from)) {
            await deps.state.closeGap(provider.name, poll.name, w.from);
            openAt.delete(w.from);
            s.gapsClosed += 1;
          }
          if (final && w.to > (s.cursor ?? Number.NEGATIVE_INFINITY)) {
            await deps.state.advance(provider.name, poll.name, w.to, deps.now());
            s.cursor = w.to;
          }
          progress();
          if (!(await deps.state.acquireLease(provider.name, poll.name, owner, deps.now(), leaseUntil())))
            return stop('busy');
          continue;
        }
        failed(w, out);
        const inProgress =
          final && out.position ? { from: w.from, to: w.to, position: out.position, pages: out.pages } : undefined;
        if (out.stop) {
          if (inProgress) await deps.state.saveProgress(provider.name, poll.name, { inProgress, now: deps.now() });
          return stop('deadline');
        }
        const error = out.error!;
        if (error.kind === 'rate_limited' || error.kind === 'quota_exhausted') {
          // Not a failed window: it continues from this page once the provider accepts calls again.
          quotaLog(error);
          await deps.state.saveProgress(provider.name, poll.name, {
            inProgress,
            resumeAt: error.resumeAt,
            resumeReason: error.message,
            now: deps.now(),
          });
          return stop(error.kind, error, error.resumeAt);
        }
        if (final) {
          await recordGap(w, why(out), openAt.has(w.from));
          openAt.add(w.from);
          if (w.to > (s.cursor ?? Number.NEGATIVE_INFINITY)) {
            await deps.state.advance(provider.name, poll.name, w.to, deps.now());
            s.cursor = w.to;
          }
        }
        const halt = stopFor(error);
        if (halt) return stop(halt, error);
      }
    } finally {
      await deps.state.releaseLease(provider.name, poll.name, owner);
    }
  }

  async function ranged(range: { from: number; to: number }): Promise<void> {
    const cp = await deps.state.getCheckpoint(provider.name, poll.name);
    if (cp?.resumeAt !== undefined && cp.resumeAt > deps.now()) {
      return stop('paused', { kind: 'paused', message: cp.resumeReason ?? 'paused' }, cp.resumeAt);
    }
    const anchor = req.startAt ?? instant(poll.window.start);
    const windows = planWindows(range.from, range.to, poll.window.sizeMs, anchor);
    const known = new Set((await deps.state.gaps(provider.name, poll.name, range)).map((g) => g.from));
    s.windowsPlanned = windows.length;
    emit({ type: 'run_started', mode: 'range', windows: windows.length, from: range.from, to: range.to });
    progress();
    for (let i = 0; i < windows.length; i += 1) {
      const w = windows[i]!;
      const out = await syncWindow(w, i === 0 ? req.start : undefined);
      if (out.ok) {
        s.windows += 1;
        if (known.delete(w.from)) {
          await deps.state.closeGap(provider.name, poll.name, w.from);
          s.gapsClosed += 1;
        }
        progress();
        continue;
      }
      failed(w, out);
      await recordGap(w, why(out), known.has(w.from));
      known.add(w.from);
      const halt = out.stop ?? stopFor(out.error!);
      if (!halt) continue;
      if (out.stop) s.resume = { from: w.from, to: w.to, position: out.position ?? {} };
      else quotaLog(out.error!);
      if (out.error?.resumeAt && (halt === 'rate_limited' || halt === 'quota_exhausted')) {
        await deps.state.saveProgress(provider.name, poll.name, {
          resumeAt: out.error.resumeAt,
          resumeReason: out.error.message,
          now: deps.now(),
        });
      }
      // No window lost: the rest of the range waits as gaps for later runs.
      for (const rest of windows.slice(i + 1)) {
        await recordGap(
          rest,
          {
            kind: out.error?.kind ?? 'deadline',
            message: `not attempted: the run stopped (${halt})`,
            countAttempt: false,
          },
          known.has(rest.from),
        );
        known.add(rest.from);
      }
      return stop(halt, out.error, out.error?.resumeAt);
    }
  }

  try {
    if (req.range) await ranged(req.range);
    else await scheduled();
    const all = await deps.state.gaps(provider.name, poll.name);
    s.gapsOpen = req.range
      ? all.filter((g: Gap) => g.from < req.range!.to && g.to > req.range!.from).length
      : all.length;
    const oldest = all.reduce((min, g) => Math.min(min, g.firstFailedAt), deps.now());
    const failing = all.filter((g) => g.attempts >= o.gapFailingAttempts).length;
    emit({ type: 'gaps_counted', open: all.length, oldestAgeMs: deps.now() - oldest, failing });
  } finally {
    offEvents();
  }
  s.durationMs = deps.now() - started;
  const drifted = drift.counts();
  if (drifted.length > 0) s.schemaDrift = Object.fromEntries(drifted.map((c) => [c.field, c.records]));
  emit({ type: 'run_ended', summary: s, drift: drifted });
  progress();
  return s;
}
