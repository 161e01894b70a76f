import type { PagePosition } from '../client/types';
import type { SyncWindow } from '../provider';
import type { GapGauges } from './events';
import type { Run } from './run';
import type { Gap } from './state';
import type { WindowFailure } from './sync-window';

const OUT_OF_TIME = 'the run ran out of time inside this window';

/** What a gap records of a failure: its kind and message, where to continue, and whether it counts as an attempt. */
export interface GapReason {
  kind: string;
  message: string;
  position?: PagePosition;
  countAttempt: boolean;
}

/**
 * Why a failed window is a gap: its error, or, for a run out of time, the gap's last error kept and no attempt counted.
 *
 * @example
 * gapReason({ ok: false, pages: 2, stop: 'deadline', position }) // { kind: 'deadline', message: 'the run ran out of time ...', countAttempt: false, position }
 */
export function gapReason(out: WindowFailure, previous?: Gap): GapReason {
  const position = out.position ?? previous?.position;
  if (out.error) return { kind: out.error.kind, message: out.error.message, position, countAttempt: true };
  return {
    kind: previous?.errorKind ?? 'deadline',
    message: previous?.lastError ?? OUT_OF_TIME,
    position,
    countAttempt: false,
  };
}

/**
 * Creates or updates the gap of window `w`, counting it as opened unless it `existed`.
 *
 * @example
 * await recordGap(run, window, gapReason(out), known.has(window.from));
 */
export async function recordGap(run: Run, w: SyncWindow, why: GapReason, existed: boolean): Promise<void> {
  const { deps } = run;
  await deps.state.recordGap(run.provider, run.poll.name, {
    from: w.from,
    to: w.to,
    errorKind: why.kind,
    lastError: why.message,
    position: why.position,
    now: deps.now(),
    countAttempt: why.countAttempt,
  });
  if (!existed) run.summary.gapsOpened += 1;
}

/**
 * Closes the gap of the window that starts at `from`.
 *
 * @example
 * if (out.ok) await closeGap(run, gap.from);
 */
export async function closeGap(run: Run, from: number): Promise<void> {
  await run.deps.state.closeGap(run.provider, run.poll.name, from);
  run.summary.gapsClosed += 1;
}

/**
 * The gauges after a run: open gaps, how long the oldest has been open (0 when none), how many keep failing.
 *
 * @example
 * gapGauges(await state.gaps('football', 'fixtures'), Date.now(), 3) // { open: 1, oldestAgeMs: 900000, failing: 0 }
 */
export function gapGauges(gaps: readonly Gap[], now: number, failingAttempts: number): GapGauges {
  const oldest = gaps.reduce((min, g) => Math.min(min, g.firstFailedAt), now);
  return {
    open: gaps.length,
    oldestAgeMs: now - oldest,
    failing: gaps.filter((g) => g.attempts >= failingAttempts).length,
  };
}

/**
 * Counts the poll's open gaps after a run (within the range of a backfill), and the gauges of all of them.
 *
 * @example
 * const gauges = await countGaps(run); // run.summary.gapsOpen is set
 */
export async function countGaps(run: Run): Promise<GapGauges> {
  const { deps, req } = run;
  const all = await deps.state.gaps(run.provider, run.poll.name);
  const range = req.range;
  run.summary.gapsOpen = range ? all.filter((g) => g.from < range.to && g.to > range.from).length : all.length;
  return gapGauges(all, deps.now(), run.options.gapFailingAttempts);
}
