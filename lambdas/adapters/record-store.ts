import { gunzipSync, gzipSync } from 'node:zlib';
import type { BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import {
  InvalidCursor,
  recordKey,
  type RecordPage,
  type RecordStore,
  type StoredRecord,
  type SyncRecord,
  type SyncRecordStore,
  type SyncWriteOutcome,
  type UpsertOutcome,
} from '../core/records';
import type { EntityChange } from '../core/provider';
import { RECORDS_BY_PROVIDER } from '../core/tables';
import { isConditionFailure, type DocumentClient } from './document';

/**
 * DynamoDB items stay far under the 400 KB limit: bigger entity data keeps only its scalar fields, long strings cut.
 */
const MAX_DATA_BYTES = 300_000;
/**
 * Entity data above this is stored gzipped (a binary `data`): DynamoDB bills a write unit per KB of
 * item, and webhook entities of a few KB gzip 2 to 5 times (AWS's DynamoDB guidance on large attributes).
 */
const GZIP_ABOVE_BYTES = 1024;
/** A kept string field of truncated data keeps this many characters. */
const MAX_KEPT_CHARS = 1024;

function boundedData(data: Record<string, unknown>): string {
  const text = JSON.stringify(data);
  if (Buffer.byteLength(text) <= MAX_DATA_BYTES) return text;
  // One long scalar (an issue body, an order note) can exceed the limit alone: cut strings too, and stop adding fields
  // at the limit.
  const kept: Record<string, unknown> = { _truncated: true };
  let bytes = Buffer.byteLength(JSON.stringify(kept));
  for (const [key, value] of Object.entries(data)) {
    if (value !== null && typeof value === 'object') continue;
    const v =
      typeof value === 'string' && value.length > MAX_KEPT_CHARS ? `${value.slice(0, MAX_KEPT_CHARS)}...` : value;
    const size = Buffer.byteLength(JSON.stringify({ [key]: v })) - 1;
    if (bytes + size > MAX_DATA_BYTES) break;
    kept[key] = v;
    bytes += size;
  }
  return JSON.stringify(kept);
}

/** `data` as stored: bounded JSON text, or its gzip when that is larger than `gzipAbove` bytes. */
function storedData(data: Record<string, unknown>, gzipAbove: number): string | Uint8Array {
  const text = boundedData(data);
  return Buffer.byteLength(text) > gzipAbove ? gzipSync(text) : text;
}

/** BatchGetItem's limit per call. */
const BATCH_GET = 100;
/** Conditional puts in flight at once per call. */
const PUTS_IN_FLIGHT = 8;

type Current = Pick<StoredRecord, 'contentHash' | 'fetchedAt' | 'version'>;

/** What the sync write rule decides from the stored item, before any write. */
function judge(current: Current | undefined, record: SyncRecord, fetchedAt: number): SyncWriteOutcome | 'write' {
  if (!current) return 'write';
  if (current.contentHash === record.hash) return 'unchanged';
  if (current.fetchedAt !== undefined && current.fetchedAt > fetchedAt) return 'stale';
  if (record.version !== undefined && current.version !== undefined && current.version > record.version) return 'stale';
  return 'write';
}

/**
 * Records table: one item per entity. Webhooks write with a conditional put on `version`
 * (upsert-if-newer); polls with `putIfChanged` on `contentHash` and `fetchedAt` (and `version` when
 * the poll has one), so both paths share items without undoing each other.
 */
export class DynamoRecordStore implements RecordStore, SyncRecordStore {
  private readonly gzipAbove: number;

  /** `gzipAboveBytes`: entity data larger than this is stored gzipped (default 1 KB; Infinity never). */
  constructor(
    private readonly doc: DocumentClient,
    private readonly tableName: string,
    opts: { gzipAboveBytes?: number } = {},
  ) {
    this.gzipAbove = opts.gzipAboveBytes ?? GZIP_ABOVE_BYTES;
  }

  async upsertIfNewer(
    provider: string,
    change: EntityChange,
    meta: { eventId: string; receivedAt: number; now: number },
  ): Promise<UpsertOutcome> {
    const pk = recordKey(provider, change.type, change.key);
    try {
      await this.doc.put({
        TableName: this.tableName,
        Item: {
          pk,
          provider,
          type: change.type,
          key: change.key,
          version: change.version,
          data: storedData(change.data, this.gzipAbove),
          eventId: meta.eventId,
          receivedAt: meta.receivedAt,
          writtenAt: meta.now,
        },
        // An item a poll wrote without a version yields to any webhook version.
        ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(#version) OR #version < :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': change.version },
      });
      return 'written';
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const current = await this.get(provider, change.type, change.key);
      return current && current.version === change.version ? 'duplicate' : 'stale';
    }
  }

  /**
   * The sync write rule. Reads the stored hash, fetch time and version of every record first
   * (BatchGetItem, strongly consistent), then puts only what is new or changed, each with a
   * condition that re-checks the rule, so a run racing another (a backfill and a scheduled run) can
   * neither put older content back nor write the same content twice. Why read first: on-demand
   * DynamoDB bills a failed conditional put a full write unit per KB, and a read unit covers 4 KB at a
   * fifth of the price, so re-fetching unchanged records (every lookback window) costs reads, not writes.
   *
   * @example
   * const outcomes = await store.putIfChanged('football', 'fixture', [{ key: '1035037#2024-08-16', data, hash: contentHash(data) }], { fetchedAt, source: 'fixtures', now });
   * // ['written'] the first time, ['unchanged'] after
   */
  async putIfChanged(
    provider: string,
    type: string,
    records: SyncRecord[],
    meta: { fetchedAt: number; source: string; now: number },
  ): Promise<SyncWriteOutcome[]> {
    const pks = records.map((r) => recordKey(provider, type, r.key));
    if (new Set(pks).size !== pks.length) throw new Error('putIfChanged: keys must be unique within one call');
    const current = await this.currentOf(pks);
    const outcomes = records.map((r, i) => judge(current.get(pks[i]!), r, meta.fetchedAt));
    const limit = pLimit(PUTS_IN_FLIGHT);
    await Promise.all(
      records.map((record, i) =>
        outcomes[i] !== 'write'
          ? undefined
          : limit(async () => {
              outcomes[i] = await this.putChanged(provider, type, pks[i]!, record, meta);
            }),
      ),
    );
    return outcomes as SyncWriteOutcome[];
  }

  private async putChanged(
    provider: string,
    type: string,
    pk: string,
    record: SyncRecord,
    meta: { fetchedAt: number; source: string; now: number },
  ): Promise<SyncWriteOutcome> {
    const versioned = record.version !== undefined;
    try {
      await this.doc.put({
        TableName: this.tableName,
        Item: {
          pk,
          provider,
          type,
          key: record.key,
          ...(versioned ? { version: record.version } : {}),
          data: storedData(record.data, this.gzipAbove),
          contentHash: record.hash,
          fetchedAt: meta.fetchedAt,
          source: meta.source,
          writtenAt: meta.now,
        },
        ConditionExpression: `attribute_not_exists(pk) OR ((attribute_not_exists(contentHash) OR contentHash <> :hash) AND (attribute_not_exists(fetchedAt) OR fetchedAt <= :fetchedAt)${versioned ? ' AND (attribute_not_exists(#version) OR #version <= :version)' : ''})`,
        ExpressionAttributeNames: versioned ? { '#version': 'version' } : undefined,
        ExpressionAttributeValues: {
          ':hash': record.hash,
          ':fetchedAt': meta.fetchedAt,
          ...(versioned ? { ':version': record.version } : {}),
        },
      });
      return 'written';
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      // Another run wrote between our read and our put: same content, or something later.
      const now = await this.get(provider, type, record.key);
      return now?.contentHash === record.hash ? 'unchanged' : 'stale';
    }
  }

  private async currentOf(pks: string[]): Promise<Map<string, Current>> {
    const items = await this.batchGet(pks, {
      ConsistentRead: true,
      ProjectionExpression: 'pk, contentHash, fetchedAt, #version',
      ExpressionAttributeNames: { '#version': 'version' },
    });
    return new Map([...items].map(([pk, item]) => [pk, item as Current]));
  }

  /** BatchGetItem over any number of keys, retrying unprocessed ones with backoff; items by `pk`. */
  private async batchGet(
    pks: string[],
    read: { ConsistentRead: boolean; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> },
  ): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < pks.length; i += BATCH_GET) {
      let keys: Record<string, unknown>[] | undefined = pks.slice(i, i + BATCH_GET).map((pk) => ({ pk }));
      for (let round = 0; keys && keys.length > 0; round += 1) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** round)));
        if (round > 8) throw new Error('BatchGetItem kept returning unprocessed keys');
        const res: BatchGetCommandOutput = await this.doc.batchGet({
          RequestItems: { [this.tableName]: { Keys: keys, ...read } },
        });
        for (const item of res.Responses?.[this.tableName] ?? []) found.set(item.pk as string, item);
        keys = res.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }

  /**
   * A page of one type's records: the keys from the `byProvider` index (keys only, so it costs a write unit only
   * when an entity is new), then the items by key. Two items read per item returned, whatever else the table holds.
   *
   * @example
   * const { records, next } = await store.list('football', 'fixture', { limit: 100 });
   * const more = next ? await store.list('football', 'fixture', { limit: 100, cursor: next }) : undefined;
   */
  async list(provider: string, type: string, opts: { limit?: number; cursor?: string } = {}): Promise<RecordPage> {
    const prefix = recordKey(provider, type, '');
    const page = await this.doc.query({
      TableName: this.tableName,
      IndexName: RECORDS_BY_PROVIDER,
      KeyConditionExpression: 'provider = :provider AND begins_with(pk, :prefix)',
      ExpressionAttributeValues: { ':provider': provider, ':prefix': prefix },
      Limit: opts.limit ?? 100,
      ExclusiveStartKey: opts.cursor === undefined ? undefined : cursorKey(opts.cursor, provider, prefix),
    });
    const pks = (page.Items ?? []).map((item) => item.pk as string);
    // The index is eventually consistent anyway; an item deleted since is left out.
    const items = await this.batchGet(pks, { ConsistentRead: false });
    const records = pks.flatMap((pk) => {
      const item = items.get(pk);
      return item ? [storedRecordOf(item)] : [];
    });
    return page.LastEvaluatedKey ? { records, next: cursorOf(page.LastEvaluatedKey) } : { records };
  }

  async get(provider: string, type: string, key: string): Promise<StoredRecord | undefined> {
    const res = await this.doc.get({
      TableName: this.tableName,
      Key: { pk: recordKey(provider, type, key) },
      ConsistentRead: true,
    });
    return res.Item ? storedRecordOf(res.Item) : undefined;
  }
}

/** The index's last evaluated key (its own and the table's keys) as an opaque URL-safe string. */
const cursorOf = (key: Record<string, unknown>): string => Buffer.from(JSON.stringify(key)).toString('base64url');

/** The start key a cursor stands for, only if it is a key of this provider and type's listing. */
function cursorKey(cursor: string, provider: string, prefix: string): Record<string, unknown> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursor();
  }
  const k = key as Record<string, unknown> | null;
  const ok =
    typeof k === 'object' &&
    k !== null &&
    Object.keys(k).length === 2 &&
    k.provider === provider &&
    typeof k.pk === 'string' &&
    k.pk.startsWith(prefix);
  if (!ok) throw new InvalidCursor();
  return { provider, pk: k.pk };
}

/**
 * A records-table item as a record: `data` parsed from its JSON text, or from its gzip when stored binary.
 *
 * @example
 * const record = storedRecordOf(unmarshall(image)); // record.data is the entity's JSON again
 */
export function storedRecordOf(item: Record<string, unknown>): StoredRecord {
  const { data, ...rest } = item as Omit<StoredRecord, 'data'> & { data: string | Uint8Array };
  const text = typeof data === 'string' ? data : gunzipSync(data).toString('utf8');
  return { ...rest, data: JSON.parse(text) as Record<string, unknown> };
}
