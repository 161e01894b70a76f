import type { IntegrationError } from '../errors';
import type { SyncWindow } from '../provider';
import { closeGap, gapReason, recordGap } from './gaps';
import { takeLease, withLease } from './lease';
import { planRange, planScheduled } from './plan';
import { progress, stop, stopFor, type Run } from './run';
import type { Checkpoint, Gap, InProgress } from './state';
import type { RunStop } from './summary';
import { syncWindow, type SaveProgress, type WindowFailure } from './sync-window';

const isPause = (kind: string): kind is 'rate_limited' | 'quota_exhausted' =>
  kind === 'rate_limited' || kind === 'quota_exhausted';

/** Counts a failed window and reports it. */
function windowFailed(run: Run, w: SyncWindow, out: WindowFailure): void {
  run.summary.windowsFailed += 1;
  run.emit({ type: 'window_failed', window: w, failure: out });
}

/** Reports a rate limit or spent quota that stops the run (other errors say nothing here). */
function providerPaused(run: Run, error: IntegrationError): void {
  if (isPause(error.kind)) run.emit({ type: 'provider_paused', error });
}

/** Remembers when the provider takes calls again (and where a window stopped), so no run calls before then. */
function savePause(run: Run, error: IntegrationError, inProgress?: InProgress): Promise<void> {
  const { deps } = run;
  const pause = { inProgress, resumeAt: error.resumeAt, resumeReason: error.message, now: deps.now() };
  return deps.state.saveProgress(run.provider, run.poll.name, pause);
}

/** Moves the checkpoint to `to` unless the run already passed it. */
async function advance(run: Run, to: number): Promise<void> {
  const { deps, summary } = run;
  if (summary.cursor !== undefined && to <= summary.cursor) return;
  await deps.state.advance(run.provider, run.poll.name, to, deps.now());
  summary.cursor = to;
}

/**
 * Syncs the gaps chosen to drain, adding each healed one to `done`; stops the run on a deadline or a stopping error.
 */
async function drainGaps(run: Run, drain: Gap[], openAt: Set<number>, done: Set<number>): Promise<void> {
  const { emit } = run;
  for (const gap of drain) {
    const { from, attempts } = gap;
    const out = await syncWindow(run, gap, gap.position);
    if (out.ok) {
      await closeGap(run, from);
      openAt.delete(from);
      done.add(from);
      run.summary.windows += 1;
      emit({ type: 'gap_closed', gap });
      progress(run);
      continue;
    }
    windowFailed(run, gap, out);
    await recordGap(run, gap, gapReason(out, gap), true);
    const error = out.error!;
    if (error && attempts + 1 >= run.options.gapFailingAttempts) emit({ type: 'gap_failing', gap, error });
    if (out.stop) return stop(run, 'deadline');
    const halt = stopFor(error);
    if (!halt) continue;
    providerPaused(run, error);
    if (isPause(halt)) await savePause(run, error);
    return stop(run, halt, error, error.resumeAt);
  }
}

/** A frontier window done: its gap closed, the checkpoint past it if it is over; false when the lease was lost. */
async function frontierSynced(run: Run, w: SyncWindow, final: boolean, openAt: Set<number>): Promise<boolean> {
  run.summary.windows += 1;
  if (openAt.has(w.from)) {
    await closeGap(run, w.from);
    openAt.delete(w.from);
  }
  if (final) await advance(run, w.to);
  progress(run);
  return takeLease(run);
}

/** A frontier window failed: saved to continue, paused, or a gap behind the checkpoint; true when the run stops. */
async function frontierFailed(
  run: Run,
  w: SyncWindow,
  final: boolean,
  openAt: Set<number>,
  out: WindowFailure,
): Promise<boolean> {
  const { deps } = run;
  const { from, to } = w;
  const { position, pages, error } = out;
  windowFailed(run, w, out);
  const inProgress = final && position ? { from, to, position, pages } : undefined;
  if (out.stop) {
    if (inProgress) await deps.state.saveProgress(run.provider, run.poll.name, { inProgress, now: deps.now() });
    stop(run, 'deadline');
    return true;
  }
  if (error && isPause(error.kind)) {
    // Not a failed window: it continues from this page once the provider accepts calls again.
    providerPaused(run, error);
    await savePause(run, error, inProgress);
    stop(run, error.kind, error, error.resumeAt);
    return true;
  }
  if (final) {
    await recordGap(run, w, gapReason(out), openAt.has(from));
    openAt.add(from);
    await advance(run, to);
  }
  const halt = stopFor(error!);
  if (halt) stop(run, halt, error);
  return halt !== undefined;
}

/** Syncs from the checkpoint to now, window by window, renewing the lease after each. */
async function syncFrontier(run: Run, frontier: SyncWindow[], cp: Checkpoint, runStart: number, openAt: Set<number>) {
  const { deps } = run;
  for (const w of frontier) {
    // Only windows over by the time the run started are final: later ones are fetched again next run.
    const final = w.to <= runStart;
    const resumeFrom = cp.inProgress?.from === w.from ? cp.inProgress.position : undefined;
    const save: SaveProgress | undefined = final
      ? (position, pages) =>
          deps.state.saveProgress(run.provider, run.poll.name, {
            inProgress: { from: w.from, to: w.to, position, pages },
            now: deps.now(),
          })
      : undefined;
    const out = await syncWindow(run, w, resumeFrom, save);
    if (out.ok && !(await frontierSynced(run, w, final, openAt))) return stop(run, 'busy');
    if (!out.ok && (await frontierFailed(run, w, final, openAt, out))) return;
  }
}

/** Closes the gaps the provider no longer keeps anything of: reported, since what they held is lost for good. */
async function expireGaps(run: Run, expired: readonly Gap[]): Promise<void> {
  for (const gap of expired) {
    await run.deps.state.closeGap(run.provider, run.poll.name, gap.from);
    run.summary.gapsExpired += 1;
    run.emit({ type: 'gap_expired', gap });
  }
}

/** Stops the run as paused when its checkpoint says the provider takes no calls yet. */
function paused(run: Run, cp: Checkpoint | undefined): boolean {
  const resumeAt = cp?.resumeAt;
  if (resumeAt === undefined || resumeAt <= run.deps.now()) return false;
  stop(run, 'paused', { kind: 'paused', message: cp!.resumeReason ?? 'paused' }, resumeAt);
  return true;
}

/** A scheduled run under the lease: paused, or the plan's gaps, then its frontier. */
async function scheduledWindows(run: Run): Promise<void> {
  const { deps, req } = run;
  const cp: Checkpoint = (await deps.state.getCheckpoint(run.provider, run.poll.name)) ?? {};
  if (paused(run, cp)) {
    run.emit({ type: 'run_paused', resumeAt: cp.resumeAt!, reason: cp.resumeReason });
    return;
  }
  const runStart = deps.now();
  const open = await deps.state.gaps(run.provider, run.poll.name);
  const plan = planScheduled(run.poll, cp.cursor, open, runStart, req.startAt, run.options.gapsPerRun);
  await expireGaps(run, plan.expired);
  run.summary.windowsPlanned = plan.drain.length + plan.frontier.length;
  run.summary.cursor = cp.cursor;
  const { drain, frontier, from } = plan;
  run.emit({
    type: 'run_started',
    mode: 'scheduled',
    gaps: drain.length,
    windows: frontier.length,
    from,
    cursor: cp.cursor,
  });
  progress(run);
  const openAt = new Set(open.filter((g) => !plan.expired.includes(g)).map((g) => g.from));
  const done = new Set<number>();
  await drainGaps(run, drain, openAt, done);
  if (run.summary.stopped) return;
  await syncFrontier(
    run,
    frontier.filter((w) => !done.has(w.from)),
    cp,
    runStart,
    openAt,
  );
}

/**
 * A scheduled run: drains up to `gapsPerRun` gaps, then syncs from the checkpoint (or start date) to now,
 * advancing the checkpoint after each window that is over; skipped while another run holds the lease.
 *
 * @example
 * await scheduledRun(startRun({ provider: football, poll }, deps, syncObserver(deps.telemetry), recordsSink(poll)));
 */
export async function scheduledRun(run: Run): Promise<void> {
  if (await withLease(run, () => scheduledWindows(run))) return;
  run.emit({ type: 'run_busy' });
  stop(run, 'busy');
}

/** A backfill stopped at window `w`: where it resumes, the pause, and the rest of the range kept as gaps. */
async function rangeStopped(
  run: Run,
  w: SyncWindow,
  out: WindowFailure,
  halt: RunStop,
  rest: SyncWindow[],
  known: Set<number>,
) {
  if (out.stop) run.summary.resume = { from: w.from, to: w.to, position: out.position ?? {} };
  else providerPaused(run, out.error!);
  if (out.error?.resumeAt && isPause(halt)) await savePause(run, out.error);
  // No window lost: the rest of the range waits as gaps for later runs.
  const why = {
    kind: out.error?.kind ?? 'deadline',
    message: `not attempted: the run stopped (${halt})`,
    countAttempt: false,
  };
  for (const later of rest) {
    await recordGap(run, later, why, known.has(later.from));
    known.add(later.from);
  }
  stop(run, halt, out.error, out.error?.resumeAt);
}

/**
 * A backfill: the windows of `range`, each failure a gap; the checkpoint is left alone.
 *
 * @example
 * await rangeRun(run, { from: instant('2024-08-01'), to: instant('2024-09-01') });
 */
export async function rangeRun(run: Run, range: { from: number; to: number }): Promise<void> {
  const { deps, req, summary } = run;
  if (paused(run, await deps.state.getCheckpoint(run.provider, run.poll.name))) return;
  const windows = planRange(run.poll, range, req.startAt);
  const known = new Set((await deps.state.gaps(run.provider, run.poll.name, range)).map((g) => g.from));
  summary.windowsPlanned = windows.length;
  run.emit({ type: 'run_started', mode: 'range', windows: windows.length, from: range.from, to: range.to });
  progress(run);
  for (let i = 0; i < windows.length; i += 1) {
    const w = windows[i]!;
    const out = await syncWindow(run, w, i === 0 ? req.start : undefined);
    if (out.ok) {
      summary.windows += 1;
      if (known.delete(w.from)) await closeGap(run, w.from);
      progress(run);
      continue;
    }
    windowFailed(run, w, out);
    await recordGap(run, w, gapReason(out), known.has(w.from));
    known.add(w.from);
    const halt = out.stop ?? stopFor(out.error!);
    if (halt) return rangeStopped(run, w, out, halt, windows.slice(i + 1), known);
  }
}
