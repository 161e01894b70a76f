import type { PagePosition, Quarantined } from '../client/types';

/**
 * The partition key of a poll's checkpoint, gaps and quarantined records: led by the provider, so IAM's
 * `dynamodb:LeadingKeys` holds a poller to its own provider's state.
 *
 * @example
 * pollKey('football', 'fixtures') // 'football#fixtures'
 */
export const pollKey = (provider: string, poll: string): string => `${provider}#${poll}`;

/** A window a run was in the middle of when it stopped, and the page to continue from. */
export interface InProgress {
  from: number;
  to: number;
  position: PagePosition;
  /** Pages of this window already stored. */
  pages: number;
}

/** One poll's progress: everything before `cursor` is synced or recorded as a gap. */
export interface Checkpoint {
  cursor?: number;
  inProgress?: InProgress;
  /** The provider said to come back then (a spent daily quota, a rate limit): runs before it do nothing. */
  resumeAt?: number;
  resumeReason?: string;
  /** The last run that completed a window (epoch ms): how fresh the records are. */
  lastSyncedAt?: number;
  leaseOwner?: string;
  leaseUntil?: number;
}

/** Why a window failed: an ErrorKind, or `deadline` when a run ran out of time inside it. */
export type GapKind = string;

/** A window that failed, to be synced again by a later run. */
export interface Gap {
  from: number;
  to: number;
  errorKind: GapKind;
  lastError: string;
  /** Failed attempts so far. */
  attempts: number;
  firstFailedAt: number;
  lastAttemptAt: number;
  /** Where to continue inside the window, when it failed after some pages. */
  position?: PagePosition;
}

/** A record that failed the poll's schema (or its mapping), kept for inspection, never written to records. */
export interface QuarantineEntry extends Quarantined {
  window: { from: number; to: number };
  position: PagePosition;
  /** Content hash of the raw record: the same bad record fetched again updates one entry. */
  id: string;
}

/**
 * Where a poll keeps its checkpoint, gaps and quarantined records (DynamoDB in AWS and locally).
 * Every write is guarded so two overlapping runs never move a checkpoint backwards.
 */
export interface SyncStateStore {
  getCheckpoint(provider: string, poll: string): Promise<Checkpoint | undefined>;
  /** Takes (or renews) the poll's lease until `until`; false while another live run holds it. */
  acquireLease(provider: string, poll: string, owner: string, now: number, until: number): Promise<boolean>;
  releaseLease(provider: string, poll: string, owner: string): Promise<void>;
  /** Moves the cursor to `cursor` unless it is already there or beyond; clears `inProgress` and `resumeAt`. */
  advance(provider: string, poll: string, cursor: number, now: number): Promise<void>;
  /** Remembers where a run stopped inside a window (unless the cursor already passed it), and when to come back. */
  saveProgress(
    provider: string,
    poll: string,
    progress: { inProgress?: InProgress; resumeAt?: number; resumeReason?: string; now: number },
  ): Promise<void>;
  /** Every open gap of a poll, oldest window first. */
  gaps(provider: string, poll: string, range?: { from: number; to: number }): Promise<Gap[]>;
  /** Records a failure of the window starting at `gap.from`: creates the gap or counts one more attempt. */
  recordGap(
    provider: string,
    poll: string,
    gap: {
      from: number;
      to: number;
      errorKind: GapKind;
      lastError: string;
      position?: PagePosition;
      now: number;
      countAttempt: boolean;
    },
  ): Promise<void>;
  closeGap(provider: string, poll: string, from: number): Promise<void>;
  quarantine(provider: string, poll: string, entries: QuarantineEntry[], now: number): Promise<void>;
}
