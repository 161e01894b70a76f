import type { ClientRequest } from '../client/types';
import type { PageSchema } from '../client/validate-page';

/** How a list endpoint pages. Stops on no next, an empty page, a cursor or link seen before, or `maxPages`. */
export type PaginationSpec = (
  | {
      style: 'page';
      pageParam?: string;
      firstPage?: number;
      sizeParam?: string;
      pageSize?: number;
      totalPagesPath?: string;
      /** Request the first page without the page parameter (API-Football's endpoints that do not page reject it). */
      omitFirstPage?: boolean;
    }
  | { style: 'offset'; offsetParam?: string; limitParam?: string; limit: number; totalPath?: string }
  | {
      style: 'cursor';
      /** Query parameter that carries the cursor. */
      cursorParam: string;
      /**
       * Dot path of the next cursor: in the body, or in the last record (`from: 'lastRecord'`, as Stripe's
       * `starting_after`).
       */
      cursorPath: string;
      from?: 'body' | 'lastRecord';
      /** Dot path of a "more pages" flag (e.g. `has_more`); false stops. */
      hasMorePath?: string;
      sizeParam?: string;
      pageSize?: number;
    }
  | { style: 'link'; sizeParam?: string; pageSize?: number }
  | { style: 'next-url'; nextPath: string; sizeParam?: string; pageSize?: number }
) & {
  /** Dot path of the records array in the body; the body itself when unset. */
  recordsPath?: string;
  /** At most this many pages per run (default 1000). */
  maxPages?: number;
};

/** A half-open span of provider time `[from, to)` in epoch ms: a poll makes one request (and its pages) per window. */
export interface SyncWindow {
  from: number;
  to: number;
}

/** An EventBridge Scheduler expression: `rate(15 minutes)` or `cron(0 3 * * ? *)` (UTC). */
export type ScheduleExpression =
  | `rate(${number} ${'minute' | 'minutes' | 'hour' | 'hours' | 'day' | 'days'})`
  | `cron(${string})`;

/** What a poll stores for one valid record. */
export interface PolledRecord {
  /** Stable across fetches: re-fetching the same entity finds the same item (dedupe). */
  key: string;
  /** The provider's own version (its updated-at, epoch ms) when it has one: nothing older overwrites it. */
  version?: number;
  /** What is stored; its content hash decides whether a re-fetch writes. */
  data: Record<string, unknown>;
}

/** Where a sync source's windows lie: one grid from `start`, bounded by the provider's retention and our patience. */
export interface WindowSpec {
  /** Width of one window (one day for API-Football's `date`). */
  sizeMs: number;
  /** The first run starts here (ISO date or date-time, UTC); windows are aligned to it. */
  start: string;
  /** Each run re-fetches this much before now: providers correct recent data (scores, statuses). Default 0. */
  lookbackMs?: number;
  /** And this much after now (upcoming fixtures). Default 0. */
  aheadMs?: number;
  /** The first run (no checkpoint yet) starts this far back instead of at `start`. */
  firstRunBackMs?: number;
  /** No window older than this is planned, and a gap that old is given up: the provider keeps nothing older. */
  maxAgeMs?: number;
  /**
   * Windows end at least this long before now, so each is fetched once, when it is over and settled (a recovery
   * waits out the provider's own first retries). Unset: windows run to now plus `aheadMs`, the last ones again next
   * run.
   */
  settleMs?: number;
}

/**
 * A source that runs once per target named in a secret, each with its own checkpoint and gaps (Trello: one per board).
 */
export interface TargetsSpec {
  /** The secret whose value lists the targets, separated by commas, spaces or newlines. */
  secret: string;
  /** What a target is, for docs and errors (`board id`, `owner/repo/hook id`). */
  describe: string;
}

/**
 * What the sync engine walks, window by window: a poll's list endpoint, or a recovery's event log. The engine
 * reads its checkpoint, plans windows, pages through each with the client, validates, and hands each page on.
 */
export interface SyncSource<T = unknown> {
  /** Lower-case, URL-safe; with the provider's name it names the schedule, checkpoint and gaps. */
  name: string;
  description?: string;
  schedule: ScheduleExpression;
  /** The request for one window (and target); the paginator adds its page parameters. */
  request(window: SyncWindow, target?: string): ClientRequest;
  /** How the endpoint pages; `recordsPath` says where the records are. */
  pagination: PaginationSpec;
  /** Invalid records are quarantined, an invalid envelope fails the page (`malformed_response`). */
  schema: PageSchema<T>;
  window: WindowSpec;
  /** Gaps retried per run, oldest first, before new windows (default 5). */
  gapsPerRun?: number;
  /** The function's timeout (default 300 s); the client's deadline is the remaining time minus its safety margin. */
  timeoutSeconds?: number;
  /** Run once per target listed in a secret (each its own checkpoint); unset: once. */
  targets?: TargetsSpec;
  /**
   * For a list that ignores the window and comes newest first (GitHub's deliveries): true for a record older than
   * the window, which ends the window's paging after its page.
   */
  olderThan?(record: T, window: SyncWindow): boolean;
}

/**
 * One scheduled sync of a list endpoint: the poller reads its checkpoint, plans windows, pages through
 * each with the client, validates, and writes what changed. See docs/sync.md.
 */
export interface PollSpec<T = unknown> extends SyncSource<T> {
  /** The record type in the records table (`<provider>#<type>#<key>`). */
  type: string;
  /** Maps one valid record to its stable key, version and stored data. */
  record(record: T): PolledRecord;
}
