import type { PagePosition } from '../client/types';
import type { SecretStore } from '../ports';
import type { SyncRecordStore } from '../records';
import { type ProviderDefinition, type RecoverySpec, recoveryStateName } from '../provider';
import { runPoll } from '../sync/run-poll';
import type { PageSink, PollRunDeps } from '../sync/run';
import type { RunSummary } from '../sync/summary';
import { eachTarget } from '../sync/targets';
import { type EnqueueDeps, enqueueSink } from './enqueue-sink';
import { redeliverSink } from './redeliver-sink';

export interface RecoveryRunRequest {
  provider: ProviderDefinition;
  recovery: RecoverySpec;
  /** An explicit span (on demand): its windows; the checkpoint is left alone, failures become gaps. */
  range?: { from: number; to: number };
  /**
   * Where the first window of `range` continues (a resumed invocation; needs `target` when the recovery has targets).
   */
  start?: PagePosition;
  /** Only this target; default every target the recovery's secret lists. */
  target?: string;
}

export interface RecoveryRunDeps extends Omit<PollRunDeps, 'records'>, EnqueueDeps {
  /** Where the recovery's targets are listed (GitHub's hooks, Trello's boards). */
  secrets: SecretStore;
}

/** A recovery hands events back to the processor and keeps no records of its own. */
const NO_RECORDS: SyncRecordStore = {
  putIfChanged: () => Promise.reject(new Error('a recovery writes no records')),
  get: () => Promise.reject(new Error('a recovery reads no records')),
  list: () => Promise.reject(new Error('a recovery reads no records')),
};

/** Where a recovery's pages go: the webhook queue (event logs), or a redelivery request (delivery logs). */
function sinkFor(spec: RecoverySpec, target: string | undefined, deps: EnqueueDeps): PageSink {
  const deliver = spec.deliver;
  return deliver.kind === 'enqueue' ? enqueueSink(spec, deliver, target, deps) : redeliverSink(spec, deliver, target);
}

/**
 * Runs one recovery of a provider, once per target: the sync engine's checkpoint, windows, gaps and resume over the
 * provider's event or delivery log (state under `recover-<name>[@target]`), its pages sent back into the webhook path.
 * Never throws for provider failures (they become gaps); a store or queue failure throws and the run is retried.
 *
 * @example
 * const summary = await runRecovery({ provider: stripe, recovery: stripe.recover![0]! }, { ...pollDeps, queue, secrets, newId: randomUUID });
 * summary.eventsRecovered; // events queued again (or redeliveries the provider accepted)
 */
export function runRecovery(req: RecoveryRunRequest, deps: RecoveryRunDeps): Promise<RunSummary> {
  const { provider, recovery, range, start } = req;
  const runDeps = { ...deps, records: NO_RECORDS };
  return eachTarget(
    provider.name,
    recovery,
    recoveryStateName(recovery.name),
    { secrets: deps.secrets, remainingMs: deps.remainingMs, only: req.target },
    (poll, target) => runPoll({ provider, poll, range, start, sink: sinkFor(recovery, target, deps) }, runDeps),
  );
}
