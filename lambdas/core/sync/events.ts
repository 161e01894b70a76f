import type { DriftCount } from '../schema-drift';
import type { SyncWindow } from '../../providers/types';
import type { RunSummary } from './summary';

/** What a sync run reports, as the client reports attempts: `syncObserver` turns these into logs and metrics. */
export type SyncEventBody =
  | { type: 'run_started'; mode: 'scheduled'; gaps: number; windows: number; from: number; cursor?: number }
  | { type: 'run_started'; mode: 'range'; windows: number; from: number; to: number }
  /** Another run holds the lease. */
  | { type: 'run_busy' }
  /** The provider said to come back later: the run does nothing before `resumeAt`. */
  | { type: 'run_paused'; resumeAt: number; reason?: string }
  | { type: 'window_failed'; window: SyncWindow; errorCode?: string; errorMessage?: string; pages: number }
  | { type: 'gap_closed'; window: SyncWindow; attempts: number }
  /** A gap failed `gapFailingAttempts` times or more. */
  | { type: 'gap_failing'; window: SyncWindow; attempts: number; errorCode: string; firstFailedAt: number }
  /** A rate limit or a spent quota stopped the run until `resumeAt`. */
  | { type: 'provider_paused'; errorCode: 'rate_limited' | 'quota_exhausted'; errorMessage: string; resumeAt?: number }
  /** A record the schema accepted that the poll's mapping could not read. */
  | { type: 'record_unmapped'; operation: string }
  /** After every run: the poll's open gaps, the oldest one's age, and how many keep failing. */
  | { type: 'gaps_counted'; open: number; oldestAgeMs: number; failing: number }
  | { type: 'run_ended'; summary: RunSummary; drift: DriftCount[] };

/** Which run an event is of. */
export interface RunRef {
  provider: string;
  poll: string;
  traceId: string;
}

export type SyncEvent = RunRef & SyncEventBody;
export type SyncListener = (event: SyncEvent) => void;
