import type { PagePosition } from '../client/types';

/** Why a run ended before its plan did. */
export type RunStop = 'deadline' | 'rate_limited' | 'quota_exhausted' | 'circuit_open' | 'auth' | 'busy' | 'paused';

export interface RunSummary {
  provider: string;
  poll: string;
  mode: 'scheduled' | 'range';
  /** Windows synced to their last page. */
  windows: number;
  windowsPlanned: number;
  windowsFailed: number;
  pages: number;
  requests: number;
  http429: number;
  retries: number;
  recordsWritten: number;
  recordsUnchanged: number;
  /** Not written: a later fetch (or a newer provider version) is stored. */
  recordsStale: number;
  recordsQuarantined: number;
  /**
   * Valid records that carried a field or enum value the schema does not know, per field (bounded; see
   * schema-drift.ts).
   */
  schemaDrift?: Record<string, number>;
  gapsOpened: number;
  gapsClosed: number;
  /** Gaps given up: older than the provider keeps (`window.maxAgeMs`). */
  gapsExpired: number;
  /** Recoveries: events sent back into the webhook path (queued, or redeliveries the provider accepted). */
  eventsRecovered: number;
  /** Open gaps after the run: the poll's (scheduled), or within the range. */
  gapsOpen: number;
  stopped?: RunStop;
  /** When the provider accepts calls again (rate limit, quota). */
  resumeAt?: number;
  error?: { kind: string; message: string };
  /** Where a range run that ran out of time continues (its caller invokes again with `start`). */
  resume?: { from: number; to: number; position: PagePosition };
  /** The checkpoint after the run (scheduled). */
  cursor?: number;
  durationMs: number;
}

/** The counts of a summary, which runs add up (sync-cli sums a backfill's invocations). */
export const SUMMARY_COUNTS = [
  'windows',
  'windowsPlanned',
  'windowsFailed',
  'pages',
  'requests',
  'http429',
  'retries',
  'recordsWritten',
  'recordsUnchanged',
  'recordsStale',
  'recordsQuarantined',
  'gapsOpened',
  'gapsClosed',
  'gapsExpired',
  'eventsRecovered',
  'gapsOpen',
] as const satisfies readonly (keyof RunSummary)[];

/**
 * A summary with every count at zero.
 *
 * @example
 * const s = emptySummary('football', 'fixtures', 'range');
 */
export function emptySummary(provider: string, poll: string, mode: RunSummary['mode']): RunSummary {
  const counts = Object.fromEntries(SUMMARY_COUNTS.map((k) => [k, 0])) as Record<
    (typeof SUMMARY_COUNTS)[number],
    number
  >;
  return { provider, poll, mode, ...counts, durationMs: 0 };
}

/**
 * Two runs' summaries as one (a backfill's invocations, a source's targets): counts added, the first reason to stop
 * kept, and the later run's resume position.
 *
 * @example
 * const total = addSummaries(first, second); // total.pages === first.pages + second.pages
 */
export function addSummaries(a: RunSummary, b: RunSummary): RunSummary {
  const sums = Object.fromEntries(SUMMARY_COUNTS.map((k) => [k, a[k] + b[k]]));
  return {
    ...a,
    ...sums,
    stopped: a.stopped ?? b.stopped,
    resumeAt: a.resumeAt ?? b.resumeAt,
    error: a.error ?? b.error,
    resume: b.resume ?? a.resume,
  };
}
