import { createHash } from 'node:crypto';
import type { StoredRecord } from '../records';
import { contentHash } from '../sync/content-hash';
import { changedFields } from './diff';
import type { ChangeDetail } from './schema';

/**
 * The version a change event carries: the provider's, else (a polled record without one) when its content was
 * fetched, else when it was written: each only grows for one record, so consumers can order by it.
 */
export const eventVersion = (r: Pick<StoredRecord, 'version' | 'fetchedAt' | 'writtenAt'>): number =>
  r.version ?? r.fetchedAt ?? r.writtenAt;

/**
 * The change event's id: sha256 over provider, type, key, version and the content's hash, as hex. The same record
 * state always gets the same id (redeliveries, replays, a second run), so consumers and routes dedupe on it; the
 * content's hash tells apart two contents written at one version (a versioned poll may rewrite its version).
 *
 * @example
 * changeEventId({ provider: 'football', type: 'fixture', key: '1035037#2024-08-16', version: 1, data }) // '9f2c...'
 */
export function changeEventId(
  r: Pick<StoredRecord, 'provider' | 'type' | 'key' | 'data'> & { version: number },
): string {
  return createHash('sha256')
    .update(JSON.stringify([r.provider, r.type, r.key, r.version, contentHash(r.data)]))
    .digest('hex');
}

/** Where a record came from: a webhook (it carries the event that wrote it) or a poll. */
const originOf = (r: StoredRecord): string => (r.source ? `poll:${r.source}` : 'webhook');

/**
 * What a write to the records table means for consumers, decided from content and never from the write: a new
 * record is `created`; a record whose data differs from what it replaced is `changed`, with the fields that
 * differ; a write that leaves the data as it was (a newer version with the same content, a poll's refetch) is
 * no change at all. Stale and duplicate writes never reach this: the table refused them.
 *
 * @example
 * detectChange(undefined, next)?.change // 'created'
 * detectChange(previous, sameDataNewerVersion) // undefined
 */
export function detectChange(previous: StoredRecord | undefined, next: StoredRecord): ChangeDetail | undefined {
  if (previous && contentHash(previous.data) === contentHash(next.data)) return undefined;
  const version = eventVersion(next);
  return {
    eventId: changeEventId({ ...next, version }),
    provider: next.provider,
    type: next.type,
    key: next.key,
    version,
    change: previous ? 'changed' : 'created',
    changed: previous ? changedFields(previous.data, next.data) : {},
    record: next.data,
    origin: originOf(next),
    writtenAt: next.writtenAt,
  };
}
