import { describe, expect, it } from 'vitest';
import type { SyncSource } from '../../../lambdas/core/provider';
import type { Gap } from '../../../lambdas/core/sync/state';
import { planScheduled } from '../../../lambdas/core/sync/plan';
import { instant, scheduledSpan } from '../../../lambdas/core/sync/windows';
import { githubDeliveries } from '../../../lambdas/providers/github-recover';
import { stripeEvents } from '../../../lambdas/providers/stripe-recover';
import { trelloCards } from '../../../lambdas/providers/trello-polls';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = instant('2026-03-10T12:34:56Z');

const gap = (from: number, size = HOUR): Gap => ({
  from,
  to: from + size,
  errorKind: 'retryable',
  lastError: 'x',
  attempts: 1,
  firstFailedAt: from,
  lastAttemptAt: from,
});

describe('the windows of a recovery', () => {
  it('plans only windows over for the settle time, so each is fetched once, when settled', () => {
    const span = scheduledSpan(stripeEvents, instant('2026-03-10T09:00:00Z'), NOW);
    // Stripe settles an hour: at 12:34 the last window is 10:00-11:00, and the run goes on from its checkpoint.
    expect(span).toMatchObject({ from: instant('2026-03-10T09:00:00Z'), to: instant('2026-03-10T11:00:00Z') });
  });

  it('starts its first run firstRunBackMs ago instead of at the grid anchor', () => {
    const span = scheduledSpan(stripeEvents, undefined, NOW);
    expect(span.from).toBe(instant('2026-03-09T12:00:00Z'));
    expect(span.anchor).toBe(instant(stripeEvents.window.start));
  });

  it('never plans a window older than the provider keeps, however far behind the checkpoint is', () => {
    const span = scheduledSpan(stripeEvents, NOW - 40 * DAY, NOW);
    expect(span.from).toBe(instant('2026-02-08T13:00:00Z'));
    expect(NOW - span.from).toBeLessThanOrEqual(30 * DAY);
    const github = scheduledSpan(githubDeliveries, NOW - 10 * DAY, NOW);
    expect(NOW - github.from).toBeLessThan(3 * DAY);
  });

  it('gives up gaps wholly older than the retention, and drains the others', () => {
    const old = gap(NOW - 31 * DAY);
    const recent = gap(NOW - 2 * DAY);
    const plan = planScheduled(stripeEvents, NOW - 2 * HOUR, [old, recent], NOW, undefined, 5);
    expect(plan.expired).toEqual([old]);
    expect(plan.drain).toEqual([recent]);
  });

  it('keeps a poll without these settings as it was: from its start date, to now plus what it looks ahead', () => {
    const poll: Pick<SyncSource, 'window'> = { window: { sizeMs: DAY, start: '2026-03-01', aheadMs: DAY } };
    const span = scheduledSpan(poll, undefined, NOW);
    expect(span).toEqual({ from: instant('2026-03-01'), to: instant('2026-03-12'), anchor: instant('2026-03-01') });
  });

  it("reads a Trello board's cards in today's window only, on the first run as on every other", () => {
    const span = scheduledSpan(trelloCards, undefined, NOW);
    expect(span).toMatchObject({ from: instant('2026-03-10'), to: instant('2026-03-11') });
  });
});
