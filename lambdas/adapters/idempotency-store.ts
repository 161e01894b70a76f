import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
  PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS as ATTR,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DocumentClient } from './document';

type Item = Record<string, unknown>;

const KEY = 'id';

/** An idempotency record from its item, attributes named as Powertools' DynamoDB layer names them. */
const recordOf = (item: Item): IdempotencyRecord =>
  new IdempotencyRecord({
    idempotencyKey: item[KEY] as string,
    status: item[ATTR.statusAttr] as IdempotencyRecord['status'],
    expiryTimestamp: item[ATTR.expiryAttr] as number | undefined,
    inProgressExpiryTimestamp: item[ATTR.inProgressExpiryAttr] as number | undefined,
    responseData: item[ATTR.dataAttr] as IdempotencyRecord['responseData'],
    payloadHash: item[ATTR.validationKeyAttr] as string | undefined,
  });

/**
 * Powertools idempotency's persistence on DynamoDB through our DocumentClient port, which Powertools supports as "bring
 * your own persistent store" (BasePersistenceLayer). Items, conditions and errors are those of its
 * DynamoDBPersistenceLayer (same table, same attributes, same claim rule); what differs is the client: that layer takes
 * only an SDK DynamoDBClient, which Lambda handlers no longer bundle (JsonDocumentClient, docs/benchmarks.md#cold-start).
 *
 * @example
 * const store = new DocumentPersistenceLayer({ tableName: process.env.IDEMPOTENCY_TABLE!, doc: new JsonDocumentClient() });
 */
export class DocumentPersistenceLayer extends BasePersistenceLayer {
  private readonly tableName: string;
  private readonly doc: DocumentClient;

  constructor(config: { tableName: string; doc: DocumentClient }) {
    super();
    this.tableName = config.tableName;
    this.doc = config.doc;
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const { Item } = await this.doc.get({
      TableName: this.tableName,
      Key: { [KEY]: idempotencyKey },
      ConsistentRead: true,
    });
    if (!Item) throw new IdempotencyItemNotFoundError();
    return recordOf(Item);
  }

  /** Claims the key: only if it is new, expired, or in progress past its in-progress expiry (a crashed attempt). */
  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const now = Date.now();
    const item: Item = {
      [KEY]: record.idempotencyKey,
      [ATTR.expiryAttr]: record.expiryTimestamp,
      [ATTR.statusAttr]: record.getStatus(),
      [ATTR.inProgressExpiryAttr]: record.inProgressExpiryTimestamp,
      [ATTR.validationKeyAttr]: this.isPayloadValidationEnabled() ? record.payloadHash : undefined,
    };
    try {
      await this.doc.put({
        TableName: this.tableName,
        Item: item,
        ConditionExpression:
          'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
        ExpressionAttributeNames: {
          '#id': KEY,
          '#expiry': ATTR.expiryAttr,
          '#in_progress_expiry': ATTR.inProgressExpiryAttr,
          '#status': ATTR.statusAttr,
        },
        ExpressionAttributeValues: {
          ':now': now / 1000,
          ':now_in_millis': now,
          ':inprogress': IdempotencyRecordStatus.INPROGRESS,
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      // DynamoDB returns the item that holds the key (attribute values); without it Powertools reads it.
      const old = (err as { Item?: Parameters<typeof unmarshall>[0] }).Item;
      throw new IdempotencyItemAlreadyExistsError(
        `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
        old ? recordOf(unmarshall(old)) : undefined,
      );
    }
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    const fields: Record<string, unknown> = {
      [ATTR.expiryAttr]: record.expiryTimestamp,
      [ATTR.statusAttr]: record.getStatus(),
      ...(record.responseData !== undefined ? { [ATTR.dataAttr]: record.responseData } : {}),
      ...(this.isPayloadValidationEnabled() ? { [ATTR.validationKeyAttr]: record.payloadHash } : {}),
    };
    const names = Object.keys(fields).filter((n) => fields[n] !== undefined);
    await this.doc.update({
      TableName: this.tableName,
      Key: { [KEY]: record.idempotencyKey },
      UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
      ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:f${i}`, fields[n]])),
    });
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    await this.doc.delete({ TableName: this.tableName, Key: { [KEY]: record.idempotencyKey } });
  }
}
