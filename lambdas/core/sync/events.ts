import type { IntegrationError } from '../errors';
import type { DriftCount } from '../schema-drift';
import type { SyncWindow } from '../provider';
import type { Gap } from './state';
import type { RunSummary } from './summary';
import type { WindowFailure } from './window-outcome';

/** The gauges reported after every run: the poll's open gaps, the oldest one's age, how many keep failing. */
export interface GapGauges {
  open: number;
  oldestAgeMs: number;
  failing: number;
}

/** What a sync run reports, as the client reports attempts: `syncObserver` turns these into logs and metrics. */
export type SyncEventBody =
  | { type: 'run_started'; mode: 'scheduled'; gaps: number; windows: number; from: number; cursor?: number }
  | { type: 'run_started'; mode: 'range'; windows: number; from: number; to: number }
  /** Another run holds the lease. */
  | { type: 'run_busy' }
  /** The provider said to come back later: the run does nothing before `resumeAt`. */
  | { type: 'run_paused'; resumeAt: number; reason?: string }
  | { type: 'window_failed'; window: SyncWindow; failure: WindowFailure }
  | { type: 'gap_closed'; gap: Gap }
  /** A gap older than the provider keeps (`window.maxAgeMs`): given up, what it held cannot be fetched any more. */
  | { type: 'gap_expired'; gap: Gap }
  /** A gap failed again, `gapFailingAttempts` times or more in all. */
  | { type: 'gap_failing'; gap: Gap; error: IntegrationError }
  /** A rate limit or a spent quota stopped the run until the provider takes calls again. */
  | { type: 'provider_paused'; error: IntegrationError }
  /** A recovery asked the provider to deliver a failed webhook again, and it accepted. */
  | { type: 'redelivered'; recovery: string; guid: string; deliveredAt: number }
  /** The provider refused to redeliver that one delivery (too old, spammed): it stays failed. */
  | { type: 'redelivery_refused'; recovery: string; guid: string; error: IntegrationError }
  /** A record the schema accepted that the poll's mapping could not read. */
  | { type: 'record_unmapped'; operation: string }
  | { type: 'run_ended'; summary: RunSummary; drift: DriftCount[]; gaps: GapGauges };

/** Which run an event is of. */
export interface RunRef {
  provider: string;
  poll: string;
  traceId: string;
}

export type SyncEvent = RunRef & SyncEventBody;
export type SyncListener = (event: SyncEvent) => void;
