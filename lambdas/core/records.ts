import type { EntityChange } from './provider';

export type UpsertOutcome = 'written' | 'stale' | 'duplicate';

export interface StoredRecord {
  pk: string;
  provider: string;
  type: string;
  key: string;
  /** The provider's version; a polled record has one only when its poll defines it. */
  version?: number;
  data: Record<string, unknown>;
  /** The event that produced this state (webhooks). */
  eventId?: string;
  /** When that event reached us (webhooks), and when we wrote it (epoch ms). */
  receivedAt?: number;
  writtenAt: number;
  /** Polled records: when the fetch that brought this content happened (epoch ms). */
  fetchedAt?: number;
  /** Polled records: hash of `data` (and version), to skip writing what did not change. */
  contentHash?: string;
  /** Polled records: the poll that wrote it. */
  source?: string;
}

export interface RecordStore {
  /** Writes the change only if no record exists or the stored version is lower. */
  upsertIfNewer(
    provider: string,
    change: EntityChange,
    meta: { eventId: string; receivedAt: number; now: number },
  ): Promise<UpsertOutcome>;
  get(provider: string, type: string, key: string): Promise<StoredRecord | undefined>;
}

export const recordKey = (provider: string, type: string, key: string): string => `${provider}#${type}#${key}`;

/** One polled record, ready to store. */
export interface SyncRecord {
  key: string;
  version?: number;
  data: Record<string, unknown>;
  /** contentHash(data, version). */
  hash: string;
}

/**
 * `written`: new or changed; `unchanged`: same content stored, no write; `stale`: a later fetch (or newer version) is
 * stored.
 */
export type SyncWriteOutcome = 'written' | 'unchanged' | 'stale';

export interface SyncRecordStore {
  /**
   * Writes each record only if it is new or its content changed, and never over one fetched later
   * (or with a newer provider version): reads first, then a conditional put per changed record.
   * Outcomes are in the order of `records`; keys must be unique within one call.
   */
  putIfChanged(
    provider: string,
    type: string,
    records: SyncRecord[],
    meta: { fetchedAt: number; source: string; now: number },
  ): Promise<SyncWriteOutcome[]>;
  get(provider: string, type: string, key: string): Promise<StoredRecord | undefined>;
  /**
   * One page of a type's records in key order, reading about what it returns; `cursor` (opaque) continues where
   * the previous page's `next` left off. A cursor not from a page of this provider and type throws InvalidCursor.
   */
  list(provider: string, type: string, opts?: { limit?: number; cursor?: string }): Promise<RecordPage>;
}

export interface RecordPage {
  records: StoredRecord[];
  /** Where the next page starts; absent when this one reached the end. */
  next?: string;
}

/** A `cursor` that no page of this provider and type handed out: the caller's mistake, never retried. */
export class InvalidCursor extends Error {
  readonly kind = 'invalid_cursor';
  constructor() {
    super('cursor is not one this listing handed out');
    this.name = 'InvalidCursor';
  }
}
