import type { RunSummary } from '../../lambdas/core/sync/run-poll';

/** The `--json` summary: exactly these keys. */
export interface SyncJsonSummary {
  windows: number;
  pages: number;
  requests: number;
  records_written: number;
  records_unchanged: number;
  records_quarantined: number;
  http_429: number;
  retries: number;
  gaps_open: number;
  duration_ms: number;
}

export function jsonSummary(s: RunSummary, durationMs: number): SyncJsonSummary {
  return {
    windows: s.windows,
    pages: s.pages,
    requests: s.requests,
    records_written: s.recordsWritten,
    // Not written either way: same content, or a later fetch already stored.
    records_unchanged: s.recordsUnchanged + s.recordsStale,
    records_quarantined: s.recordsQuarantined,
    http_429: s.http429,
    retries: s.retries,
    gaps_open: s.gapsOpen,
    duration_ms: durationMs,
  };
}

/** The summary as text, with why a run stopped early. */
export function summaryText(s: SyncJsonSummary, run: RunSummary): string {
  const lines = [
    `${s.windows} window(s), ${s.pages} page(s), ${s.requests} request(s) (${s.http_429} rate limited, ${s.retries} retries) in ${(s.duration_ms / 1000).toFixed(1)} s`,
    `records: ${s.records_written} written, ${s.records_unchanged} unchanged, ${s.records_quarantined} quarantined`,
    `gaps open: ${s.gaps_open}`,
  ];
  if (run.eventsRecovered > 0) lines.push(`events recovered: ${run.eventsRecovered} (sent back into the webhook path)`);
  if (run.stopped) {
    const until = run.resumeAt ? ` until ${new Date(run.resumeAt).toISOString()}` : '';
    lines.push(`stopped: ${run.stopped}${until}${run.error ? ` (${run.error.message})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
