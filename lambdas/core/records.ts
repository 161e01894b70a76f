import type { EntityChange } from '../providers/types';

export type UpsertOutcome = 'written' | 'stale' | 'duplicate';

export interface StoredRecord {
  pk: string;
  provider: string;
  type: string;
  key: string;
  version: number;
  data: Record<string, unknown>;
  /** The event that produced this state. */
  eventId: string;
  /** When that event reached us, and when we wrote it (epoch ms). */
  receivedAt: number;
  writtenAt: number;
}

export interface RecordStore {
  /** Writes the change only if no record exists or the stored version is lower. */
  upsertIfNewer(provider: string, change: EntityChange, meta: { eventId: string; receivedAt: number; now: number }): Promise<UpsertOutcome>;
  get(provider: string, type: string, key: string): Promise<StoredRecord | undefined>;
}

export const recordKey = (provider: string, type: string, key: string): string => `${provider}#${type}#${key}`;
