import type { SyncSource, SyncWindow } from '../provider';
import type { Gap } from './state';
import { instant, planWindows, scheduledSpan } from './windows';

/** What a scheduled run does: the gaps it drains first, then the windows from its checkpoint to now. */
export interface ScheduledPlan {
  /** The least recently tried gaps, at most `gapsPerRun`. */
  drain: Gap[];
  /** Gaps wholly older than what the provider keeps (`maxAgeMs`): nothing can fetch them any more. */
  expired: Gap[];
  frontier: SyncWindow[];
  /** Where the frontier starts. */
  from: number;
}

/**
 * Plans a scheduled run from the poll's checkpoint and its open gaps.
 *
 * @example
 * const plan = planScheduled(poll, checkpoint.cursor, await state.gaps('football', 'fixtures'), Date.now(), undefined, 5);
 */
export function planScheduled(
  poll: SyncSource,
  cursor: number | undefined,
  open: readonly Gap[],
  now: number,
  startAt: number | undefined,
  gapsPerRun: number,
): ScheduledPlan {
  const { maxAgeMs } = poll.window;
  const gone = (g: Gap) => maxAgeMs !== undefined && g.to <= now - maxAgeMs;
  const drain = open
    .filter((g) => !gone(g))
    .sort((a, b) => a.lastAttemptAt - b.lastAttemptAt || a.from - b.from)
    .slice(0, poll.gapsPerRun ?? gapsPerRun);
  const span = scheduledSpan(poll, cursor, now, startAt);
  return {
    drain,
    expired: open.filter(gone),
    frontier: planWindows(span.from, span.to, poll.window.sizeMs, span.anchor),
    from: span.from,
  };
}

/**
 * The windows of a backfill: `range` on the poll's grid.
 *
 * @example
 * planRange(poll, { from: instant('2024-08-01'), to: instant('2024-08-03') }) // two one-day windows
 */
export function planRange(poll: SyncSource, range: { from: number; to: number }, startAt?: number): SyncWindow[] {
  const anchor = startAt ?? instant(poll.window.start);
  return planWindows(range.from, range.to, poll.window.sizeMs, anchor);
}
