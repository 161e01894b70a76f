import type { ClientEvent, PagePosition } from '../client/types';
import type { IntegrationError } from '../errors';
import type { SyncWindow } from '../../providers/types';
import { SYNC_DEFAULTS } from './defaults';
import { syncObserver } from './observer';
import {
  progress as progressOf,
  startRun,
  stop as stopRun,
  stopFor,
  type PollRunDeps,
  type PollRunRequest,
} from './run';
import type { Checkpoint, Gap } from './state';
import type { RunStop, RunSummary } from './summary';
import { syncWindow as syncOneWindow, type SaveProgress, type WindowFailure } from './sync-window';
import { instant, planWindows, scheduledSpan } from './windows';

export { SYNC_DEFAULTS };
export { emptySummary, SUMMARY_COUNTS, type RunStop, type RunSummary } from './summary';
export type { PollRunDeps, PollRunRequest } from './run';

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
  const run = startRun(req, deps, syncObserver(deps.telemetry));
  const { poll, options: o, summary: s, emit } = run;
  const provider = req.provider;
  const started = run.startedAt;
  const progress = () => progressOf(run);
  const stop = (why: RunStop, error?: { kind: string; message: string }, resumeAt?: number) =>
    stopRun(run, why, error, resumeAt);
  const drift = run.drift;
  const syncWindow = (w: SyncWindow, start: PagePosition | undefined, save?: SaveProgress) =>
    syncOneWindow(run, w, start, save);

  const offEvents = deps.client.onEvent((e: ClientEvent) => {
    if (e.type !== 'attempt' || e.traceId !== deps.traceId) return;
    s.requests += 1;
    if (e.outcome === 'rate_limited') s.http429 += 1;
    if (e.attempt > 1) s.retries += 1;
  });

  const failed = (w: SyncWindow, out: WindowFailure) => {
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
  const why = (out: WindowFailure, previous?: Gap) =>
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
