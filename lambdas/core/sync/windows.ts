import type { SyncSource, SyncWindow } from '../provider';

/** At most this many windows in one plan: a guard against a tiny window size over a long span. */
export const MAX_WINDOWS = 100_000;

/**
 * Epoch ms of an ISO date (`2024-08-01`, read as UTC midnight) or date-time; throws on anything else.
 *
 * @example
 * instant('2024-08-01') // 1722470400000
 */
export function instant(iso: string): number {
  const value = /^\d{4}-\d{2}-\d{2}$/.test(iso)
    ? Date.parse(`${iso}T00:00:00Z`)
    : /^\d{4}-\d{2}-\d{2}T/.test(iso)
      ? Date.parse(iso)
      : Number.NaN;
  if (!Number.isFinite(value)) throw new RangeError(`not an ISO date: ${iso}`);
  return value;
}

/**
 * The grid point at or before `t` (windows start at `anchor + n * size`).
 *
 * @example
 * alignDown(instant('2024-08-01T13:00:00Z'), instant('2024-01-01'), DAY) // instant('2024-08-01')
 */
export const alignDown = (t: number, anchor: number, size: number): number =>
  anchor + Math.floor((t - anchor) / size) * size;

/**
 * The grid point at or after `t`.
 *
 * @example
 * alignUp(instant('2024-08-01T13:00:00Z'), instant('2024-01-01'), DAY) // instant('2024-08-02')
 */
export const alignUp = (t: number, anchor: number, size: number): number =>
  anchor + Math.ceil((t - anchor) / size) * size;

/**
 * The windows that exactly cover `[from, to)` widened to the grid of `size` anchored at `anchor`:
 * consecutive, no overlap, no hole, each one `size` wide. Gaps and checkpoints name windows by their
 * start, so every plan of the same poll lands on the same grid.
 *
 * @example
 * planWindows(instant('2024-08-01'), instant('2024-08-03'), DAY, instant('2024-01-01'))
 * // [{ from: Aug 1, to: Aug 2 }, { from: Aug 2, to: Aug 3 }]
 */
export function planWindows(from: number, to: number, size: number, anchor = from): SyncWindow[] {
  if (!(size > 0) || !Number.isFinite(from) || !Number.isFinite(to))
    throw new RangeError('planWindows needs finite bounds and a positive size');
  const start = alignDown(from, anchor, size);
  const end = alignUp(to, anchor, size);
  if (end <= start) return [];
  const count = Math.round((end - start) / size);
  if (count > MAX_WINDOWS)
    throw new RangeError(
      `${count} windows exceed the limit of ${MAX_WINDOWS}; use a larger window size or a shorter span`,
    );
  return Array.from({ length: count }, (_, i) => ({ from: start + i * size, to: start + (i + 1) * size }));
}

/**
 * What a scheduled run covers: from the checkpoint (the start date, or `firstRunBackMs` ago, on the first run),
 * widened back by the lookback from now, never older than `maxAgeMs`; to now plus what the poll looks ahead, or,
 * with `settleMs`, to the last window over that long ago. Lookback counts from now, not from the checkpoint, so a
 * backfill that spans many runs never repeats a finished window.
 *
 * @example
 * scheduledSpan(poll, { cursor: instant('2024-08-10') }, Date.now())
 */
export function scheduledSpan(
  poll: Pick<SyncSource, 'window'>,
  cursor: number | undefined,
  now: number,
  startAt?: number,
): { from: number; to: number; anchor: number } {
  const anchor = startAt ?? instant(poll.window.start);
  const { sizeMs: size, lookbackMs = 0, aheadMs = 0, firstRunBackMs, settleMs } = poll.window;
  const oldest = oldestWindow(poll, now, anchor);
  const first = firstRunBackMs === undefined ? anchor : alignDown(now - firstRunBackMs, anchor, size);
  const recent = alignDown(now - lookbackMs, anchor, size);
  const from = Math.max(anchor, oldest, Math.min(cursor ?? first, recent));
  const to = settleMs === undefined ? alignUp(now + aheadMs, anchor, size) : alignDown(now - settleMs, anchor, size);
  return { from, to: Math.max(from, to), anchor };
}

/**
 * The start of the oldest window the provider still keeps (`maxAgeMs`), on the grid; the anchor when unbounded.
 *
 * @example
 * oldestWindow(stripeEvents, Date.now(), instant('2024-01-01')) // the first whole window of the last 30 days
 */
export function oldestWindow(poll: Pick<SyncSource, 'window'>, now: number, anchor: number): number {
  const { maxAgeMs, sizeMs } = poll.window;
  return maxAgeMs === undefined ? anchor : Math.max(anchor, alignUp(now - maxAgeMs, anchor, sizeMs));
}

/**
 * A window's name in gaps and logs: its start as an ISO date-time.
 *
 * @example
 * windowId({ from: instant('2024-08-01') }) // '2024-08-01T00:00:00.000Z'
 */
export const windowId = (w: { from: number }): string => new Date(w.from).toISOString();
