import { emitMetric, METRIC } from '../metrics';
import type { LogLevel, Telemetry } from '../ports';
import { reportDrift } from '../schema-drift';
import type { SyncEvent, SyncListener } from './events';
import type { RunSummary } from './summary';
import { windowId } from './windows';

const at = (ms: number): string => new Date(ms).toISOString();
const iso = (ms: number | undefined): string | null => (ms ? at(ms) : null);

/** The run's last log line: warn when something stopped it short, info when it finished or had nothing to do. */
function endLine(summary: RunSummary): [LogLevel, string, Record<string, unknown>] {
  const { stopped } = summary;
  return [
    !stopped || stopped === 'busy' || stopped === 'paused' ? 'info' : 'warn',
    stopped ? `sync run stopped: ${stopped}` : 'sync run finished',
    {
      mode: summary.mode,
      windows: summary.windows,
      windows_failed: summary.windowsFailed,
      pages: summary.pages,
      requests: summary.requests,
      records_written: summary.recordsWritten,
      records_unchanged: summary.recordsUnchanged,
      records_stale: summary.recordsStale,
      records_quarantined: summary.recordsQuarantined,
      ...(summary.schemaDrift ? { schema_drift: summary.schemaDrift } : {}),
      gaps_open: summary.gapsOpen,
      ...(summary.gapsExpired ? { gaps_expired: summary.gapsExpired } : {}),
      ...(summary.eventsRecovered ? { events_recovered: summary.eventsRecovered } : {}),
      resume_at: iso(summary.resumeAt),
      duration_ms: summary.durationMs,
    },
  ];
}

/** After every run: the gap gauges, the records counts, and the schema drift as metrics and warn lines. */
function runMetrics(t: Telemetry, e: Extract<SyncEvent, { type: 'run_ended' }>): void {
  const { summary, gaps } = e;
  const dims = { provider: e.provider, operation: e.poll };
  emitMetric(t, METRIC.GapsOpen, gaps.open, 'Count', dims);
  emitMetric(t, METRIC.OldestGapAgeMs, gaps.oldestAgeMs, 'Milliseconds', dims);
  emitMetric(t, METRIC.GapsFailing, gaps.failing, 'Count', dims);
  emitMetric(t, METRIC.RecordsWritten, summary.recordsWritten, 'Count', dims);
  emitMetric(t, METRIC.RecordsUnchanged, summary.recordsUnchanged, 'Count', dims);
  if (summary.recordsStale > 0) emitMetric(t, METRIC.StaleSkipped, summary.recordsStale, 'Count', dims);
  // Once per run per field: a provider's change shows up in the metric and the log before it breaks a mapping.
  reportDrift(t, e.drift, dims, { poll: e.poll, trace_id: e.traceId });
}

/** The log line of an event, if it has one. */
function line(e: SyncEvent): [LogLevel, string, Record<string, unknown>] | undefined {
  switch (e.type) {
    case 'run_started':
      return e.mode === 'scheduled'
        ? [
            'info',
            'sync run started',
            { mode: e.mode, gaps: e.gaps, windows: e.windows, from: at(e.from), cursor: iso(e.cursor) },
          ]
        : ['info', 'sync run started', { mode: e.mode, windows: e.windows, from: at(e.from), to: at(e.to) }];
    case 'run_busy':
      return ['info', 'sync run skipped: another run holds the lease', {}];
    case 'run_paused':
      return [
        'info',
        'sync run skipped: paused until the provider accepts calls again',
        { resume_at: at(e.resumeAt), reason: e.reason ?? null },
      ];
    case 'window_failed': {
      const { error, stop, pages } = e.failure;
      const fields = { error_code: error?.kind ?? stop, error_message: error?.message ?? null, pages_done: pages };
      return ['warn', 'sync window failed', { window: windowId(e.window), ...fields }];
    }
    case 'gap_closed':
      return ['info', 'sync gap closed', { window: windowId(e.gap), attempts: e.gap.attempts }];
    case 'gap_expired':
      return [
        'error',
        'sync gap expired: older than the provider keeps, what it held cannot be fetched any more',
        { window: windowId(e.gap), attempts: e.gap.attempts, error_code: e.gap.errorKind },
      ];
    case 'gap_failing': {
      const { gap, error } = e;
      return [
        'error',
        'sync gap keeps failing',
        {
          window: windowId(gap),
          attempts: gap.attempts + 1,
          error_code: error.kind,
          first_failed_at: at(gap.firstFailedAt),
        },
      ];
    }
    case 'provider_paused': {
      const { kind, message, resumeAt } = e.error;
      const quota = kind === 'quota_exhausted';
      return [
        quota ? 'error' : 'warn',
        quota ? 'provider quota exhausted: sync paused until it resets' : 'provider rate limit: sync paused',
        { error_code: kind, error_message: message, resume_at: iso(resumeAt) },
      ];
    }
    case 'redelivered':
      return [
        'info',
        'webhook redelivery requested',
        { recovery: e.recovery, guid: e.guid, delivered_at: at(e.deliveredAt) },
      ];
    case 'redelivery_refused':
      return [
        'warn',
        'webhook redelivery refused',
        { recovery: e.recovery, guid: e.guid, error_code: e.error.kind, error_message: e.error.message },
      ];
    case 'run_ended':
      return endLine(e.summary);
  }
  return undefined;
}

/**
 * The one place sync events become logs and metrics: a log line per run start, skip, failed window, gap closed
 * or failing, and provider pause, each with `provider, poll, trace_id`; RecordsQuarantined for records the
 * mapping refused; the GapsOpen, OldestGapAgeMs and GapsFailing gauges and the records and drift metrics after
 * every run, then the run's summary line.
 *
 * @example
 * const report = syncObserver(telemetry);
 * report({ provider: 'football', poll: 'fixtures', traceId, type: 'run_busy' }); // 'sync run skipped: another run holds the lease'
 */
export function syncObserver(t: Telemetry): SyncListener {
  return (e) => {
    // Under the request's operation, as the client counts the records the schema refused.
    if (e.type === 'record_unmapped')
      emitMetric(t, METRIC.RecordsQuarantined, 1, 'Count', { provider: e.provider, operation: e.operation });
    if (e.type === 'run_ended') runMetrics(t, e);
    // The provider gave up on this delivery and sends it again now: a webhook we missed.
    if (e.type === 'redelivered')
      emitMetric(t, METRIC.EventsRecovered, 1, 'Count', { provider: e.provider, operation: e.recovery });
    const l = line(e);
    if (l) t.log(l[0], l[1], { provider: e.provider, poll: e.poll, trace_id: e.traceId, ...l[2] });
  };
}
