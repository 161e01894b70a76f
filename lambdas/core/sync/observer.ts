import { emitMetric, METRIC, type MetricDimensions } from '../metrics';
import type { LogLevel, Telemetry } from '../ports';
import { reportDrift } from '../schema-drift';
import type { SyncEvent, SyncListener } from './events';
import type { RunSummary } from './summary';
import { windowId } from './windows';

const at = (ms: number): string => new Date(ms).toISOString();
const iso = (ms: number | undefined): string | null => (ms ? at(ms) : null);

/** The run's log line when it ends: warn when something stopped it short, info when it finished or had nothing to do. */
function endLine(summary: RunSummary): [LogLevel, string, Record<string, unknown>] {
  const s = summary;
  const quiet = !s.stopped || s.stopped === 'busy' || s.stopped === 'paused';
  return [
    quiet ? 'info' : 'warn',
    s.stopped ? `sync run stopped: ${s.stopped}` : 'sync run finished',
    {
      mode: s.mode,
      windows: s.windows,
      windows_failed: s.windowsFailed,
      pages: s.pages,
      requests: s.requests,
      records_written: s.recordsWritten,
      records_unchanged: s.recordsUnchanged,
      records_stale: s.recordsStale,
      records_quarantined: s.recordsQuarantined,
      ...(s.schemaDrift ? { schema_drift: s.schemaDrift } : {}),
      gaps_open: s.gapsOpen,
      resume_at: iso(s.resumeAt),
      duration_ms: s.durationMs,
    },
  ];
}

/** The run's counts as metrics, its schema drift as metrics and warn lines, then its summary line. */
function runEnded(t: Telemetry, e: Extract<SyncEvent, { type: 'run_ended' }>, dims: MetricDimensions) {
  const { summary } = e;
  emitMetric(t, METRIC.RecordsWritten, summary.recordsWritten, 'Count', dims);
  emitMetric(t, METRIC.RecordsUnchanged, summary.recordsUnchanged, 'Count', dims);
  if (summary.recordsStale > 0) emitMetric(t, METRIC.StaleSkipped, summary.recordsStale, 'Count', dims);
  // Once per run per field: a provider's change shows up in the metric and the log before it breaks a mapping.
  reportDrift(t, e.drift, { provider: e.provider, operation: e.poll }, { poll: e.poll, trace_id: e.traceId });
  const [level, message, fields] = endLine(summary);
  t.log(level, message, { provider: e.provider, poll: e.poll, trace_id: e.traceId, ...fields });
}

/** The log line of an event in the middle of a run, if it has one. */
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
    case 'window_failed':
      return [
        'warn',
        'sync window failed',
        {
          window: windowId(e.window),
          error_code: e.errorCode,
          error_message: e.errorMessage ?? null,
          pages_done: e.pages,
        },
      ];
    case 'gap_closed':
      return ['info', 'sync gap closed', { window: windowId(e.window), attempts: e.attempts }];
    case 'gap_failing':
      return [
        'error',
        'sync gap keeps failing',
        {
          window: windowId(e.window),
          attempts: e.attempts,
          error_code: e.errorCode,
          first_failed_at: at(e.firstFailedAt),
        },
      ];
    case 'provider_paused': {
      const quota = e.errorCode === 'quota_exhausted';
      return [
        quota ? 'error' : 'warn',
        quota ? 'provider quota exhausted: sync paused until it resets' : 'provider rate limit: sync paused',
        { error_code: e.errorCode, error_message: e.errorMessage, resume_at: iso(e.resumeAt) },
      ];
    }
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
    const dims = { provider: e.provider, operation: e.poll };
    switch (e.type) {
      case 'record_unmapped':
        // Under the request's operation, as the client counts the records the schema refused.
        return emitMetric(t, METRIC.RecordsQuarantined, 1, 'Count', { provider: e.provider, operation: e.operation });
      case 'gaps_counted':
        emitMetric(t, METRIC.GapsOpen, e.open, 'Count', dims);
        emitMetric(t, METRIC.OldestGapAgeMs, e.oldestAgeMs, 'Milliseconds', dims);
        return emitMetric(t, METRIC.GapsFailing, e.failing, 'Count', dims);
      case 'run_ended':
        return runEnded(t, e, dims);
    }
    const l = line(e);
    if (l) t.log(l[0], l[1], { provider: e.provider, poll: e.poll, trace_id: e.traceId, ...l[2] });
  };
}
