import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { recordKey, type RecordStore, type StoredRecord, type UpsertOutcome } from '../core/records';
import type { EntityChange } from '../providers/types';

/** DynamoDB items stay far under the 400 KB limit: bigger entity data keeps only its scalar fields. */
const MAX_DATA_BYTES = 300_000;

function boundedData(data: Record<string, unknown>): string {
  const text = JSON.stringify(data);
  if (Buffer.byteLength(text) <= MAX_DATA_BYTES) return text;
  const scalars = Object.fromEntries(Object.entries(data).filter(([, v]) => v === null || typeof v !== 'object'));
  return JSON.stringify({ ...scalars, _truncated: true });
}

/** Records table: one item per entity, written with a conditional put on `version`. */
export class DynamoRecordStore implements RecordStore {
  constructor(private readonly doc: DynamoDBDocumentClient, private readonly tableName: string) {}

  async upsertIfNewer(provider: string, change: EntityChange, meta: { eventId: string; receivedAt: number; now: number }): Promise<UpsertOutcome> {
    const pk = recordKey(provider, change.type, change.key);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk,
            provider,
            type: change.type,
            key: change.key,
            version: change.version,
            data: boundedData(change.data),
            eventId: meta.eventId,
            receivedAt: meta.receivedAt,
            writtenAt: meta.now,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #version < :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': change.version },
        }),
      );
      return 'written';
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException) && (err as Error)?.name !== 'ConditionalCheckFailedException') throw err;
      const current = await this.get(provider, change.type, change.key);
      return current && current.version === change.version ? 'duplicate' : 'stale';
    }
  }

  async get(provider: string, type: string, key: string): Promise<StoredRecord | undefined> {
    const res = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: recordKey(provider, type, key) }, ConsistentRead: true }));
    if (!res.Item) return undefined;
    const item = res.Item as Omit<StoredRecord, 'data'> & { data: string };
    return { ...item, data: JSON.parse(item.data) as Record<string, unknown> };
  }
}
