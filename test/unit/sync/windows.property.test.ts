import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixturesPoll } from '../../../lambdas/providers/football';
import type { PollSpec } from '../../../lambdas/core/provider';
import { alignDown, instant, planWindows, scheduledSpan } from '../../../lambdas/core/sync/windows';

const DAY = 86_400_000;
const t = fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2035, 0, 1) });
const size = fc.constantFrom(60_000, 3_600_000, 6 * 3_600_000, DAY, 7 * DAY, 1_234_567);

describe('planWindows', () => {
  it('covers the span exactly: consecutive, no overlap, no hole, each one window wide, on the grid', () => {
    fc.assert(
      fc.property(t, fc.double({ min: 0.001, max: 300, noNaN: true }), size, t, (from, widths, width, anchor) => {
        const to = from + Math.max(1, Math.round(widths * width));
        const windows = planWindows(from, to, width, anchor);
        expect(windows.length).toBeGreaterThan(0);
        expect(windows[0]!.from).toBeLessThanOrEqual(from);
        expect(windows[0]!.from).toBeGreaterThan(from - width);
        expect(windows.at(-1)!.to).toBeGreaterThanOrEqual(to);
        expect(windows.at(-1)!.to).toBeLessThan(to + width);
        windows.forEach((w, i) => {
          expect(w.to - w.from).toBe(width);
          expect((((w.from - anchor) % width) + width) % width).toBe(0);
          if (i > 0) expect(w.from).toBe(windows[i - 1]!.to);
        });
      }),
    );
  });

  it('plans the same windows for any sub-span of a span (gaps and checkpoints name the same windows)', () => {
    fc.assert(
      fc.property(
        t,
        fc.integer({ min: 1, max: 60 * DAY }),
        fc.integer({ min: 0, max: 60 * DAY }),
        size,
        (from, span, cut, width) => {
          const to = from + span;
          const anchor = Date.UTC(2024, 0, 1);
          const whole = planWindows(from, to, width, anchor).map((w) => w.from);
          const mid = Math.min(to - 1, from + cut);
          const parts = [...planWindows(from, mid, width, anchor), ...planWindows(mid, to, width, anchor)].map(
            (w) => w.from,
          );
          expect(new Set(parts)).toEqual(new Set(whole));
        },
      ),
    );
  });

  it('is empty for an empty span and refuses an absurd number of windows', () => {
    expect(planWindows(DAY, DAY, DAY)).toEqual([]);
    expect(() => planWindows(0, 10 * 365 * DAY, 1000)).toThrow(/exceed the limit/);
  });
});

describe('scheduledSpan', () => {
  const poll = (window: Partial<PollSpec['window']>): PollSpec => ({
    ...(fixturesPoll as PollSpec),
    window: { sizeMs: DAY, start: '2024-08-01', ...window },
  });

  it('starts at the start date, then at the checkpoint, and never before the start date', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: instant('2024-08-01'), max: instant('2026-01-01') }),
        fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 3 }),
        (now, cursorDays, lookback, ahead) => {
          const p = poll({ lookbackMs: lookback * DAY, aheadMs: ahead * DAY });
          const cursor = cursorDays === undefined ? undefined : instant('2024-08-01') + cursorDays * DAY;
          const span = scheduledSpan(p, cursor, now);
          expect(span.from).toBeGreaterThanOrEqual(instant('2024-08-01'));
          expect(span.from).toBeLessThanOrEqual(Math.max(instant('2024-08-01'), cursor ?? instant('2024-08-01')));
          // The lookback counts from now, so a checkpoint far behind (a backfill) is where it starts: no finished window again.
          if (cursor !== undefined && cursor <= alignDown(now - lookback * DAY, instant('2024-08-01'), DAY))
            expect(span.from).toBe(cursor);
          expect(span.to).toBeGreaterThanOrEqual(Math.min(span.from, now + ahead * DAY));
          expect(span.to).toBeLessThan(Math.max(span.from, now + ahead * DAY) + DAY + 1);
        },
      ),
    );
  });
});
