import type { ClientListener } from '../client/types';
import { SYNC_DEFAULTS } from './defaults';
import type { GapGauges } from './events';
import { countGaps } from './gaps';
import { syncObserver } from './observer';
import { progress, startRun, type PollRunDeps, type PollRunRequest, type Run } from './run';
import type { RunSummary } from './summary';
import { recordsSink } from './sync-window';
import { rangeRun, scheduledRun } from './window-loop';

export { SYNC_DEFAULTS };
export { addSummaries, emptySummary, SUMMARY_COUNTS, type RunStop, type RunSummary } from './summary';
export type { PageSink, PollRunDeps, PollRunRequest } from './run';

/**
 * Runs one poll: a scheduled run (no `range`) drains up to `gapsPerRun` gaps, then syncs from its
 * checkpoint (or start date) to now, advancing the checkpoint after each completed window; a range run
 * (a backfill) syncs the windows of `range`. Each window pages through the client, validates, and
 * writes only new or changed records; a failed window becomes a gap, a run short of time or rate
 * limited saves its page position and stops cleanly. Never throws for provider failures; a store
 * failure (DynamoDB) throws, and the run is retried whole (records writes are idempotent).
 *
 * @example
 * const summary = await runPoll({ provider: football, poll: football.polls![0]! }, { client, records, state, telemetry, now: Date.now, traceId, remainingMs: () => context.getRemainingTimeInMillis() });
 * if (summary.stopped === 'quota_exhausted') console.log(`paused until ${new Date(summary.resumeAt!).toISOString()}`);
 */
export async function runPoll(req: PollRunRequest, deps: PollRunDeps): Promise<RunSummary> {
  const run = startRun(
    req,
    deps,
    syncObserver(deps.telemetry),
    req.sink === undefined ? recordsSink(req.poll) : req.sink,
  );
  const offEvents = deps.client.onEvent(countCalls(run));
  let gaps: GapGauges;
  try {
    if (req.range) await rangeRun(run, req.range);
    else await scheduledRun(run);
    gaps = await countGaps(run);
  } finally {
    offEvents();
  }
  return finish(run, gaps);
}

/** Counts the run's requests, 429s and retries from its client's attempt events. */
function countCalls(run: Run): ClientListener {
  const { summary } = run;
  return (e) => {
    if (e.type !== 'attempt' || e.traceId !== run.deps.traceId) return;
    summary.requests += 1;
    if (e.outcome === 'rate_limited') summary.http429 += 1;
    if (e.attempt > 1) summary.retries += 1;
  };
}

/** Closes the summary and reports the run's end. */
function finish(run: Run, gaps: GapGauges): RunSummary {
  const { summary } = run;
  summary.durationMs = run.deps.now() - run.startedAt;
  const drifted = run.drift.counts();
  if (drifted.length > 0) summary.schemaDrift = Object.fromEntries(drifted.map((c) => [c.field, c.records]));
  run.emit({ type: 'run_ended', summary, drift: drifted, gaps });
  progress(run);
  return summary;
}
