import {
  entityKey,
  type Claim,
  type EntityKey,
  type ExternalId,
  type ExternalIdStore,
} from '../core/writes/external-ids';
import { isConditionFailure, type DocumentClient } from './document';

// What claim and map both write: the entity's fields, the command acting on it, and when.
const ENTITY_NAMES = { '#state': 'state', '#owner': 'owner', '#ref': 'ref' };
const entityValues = (key: EntityKey, commandId: string, at: Date) => ({
  ':c': commandId,
  ':p': key.provider,
  ':e': key.entity,
  ':r': key.ref,
  ':at': at.toISOString(),
});

/**
 * The external-id mapping in DynamoDB, one item per entity (`provider#entity#ref`). Every transition is a
 * conditional write, so two commands can never both create one entity.
 *
 * @example
 * const ids = new DynamoExternalIdStore(doc, process.env.EXTERNAL_IDS_TABLE!);
 * const claim = await ids.claim({ provider: 'trello', entity: 'card', ref: 'T-1' }, commandId, new Date()); // { kind: 'claimed', unconfirmed: 0 }
 */
export class DynamoExternalIdStore implements ExternalIdStore {
  constructor(
    private readonly doc: DocumentClient,
    private readonly tableName: string,
  ) {}

  async get(key: EntityKey): Promise<ExternalId | undefined> {
    const res = await this.doc.get({ TableName: this.tableName, Key: { pk: entityKey(key) }, ConsistentRead: true });
    if (!res.Item) return undefined;
    const { pk: _pk, ...item } = res.Item as ExternalId & { pk: string };
    return { ...item, unconfirmed: item.unconfirmed ?? 0 };
  }

  async claim(key: EntityKey, commandId: string, at: Date): Promise<Claim> {
    try {
      const res = await this.doc.update({
        TableName: this.tableName,
        Key: { pk: entityKey(key) },
        UpdateExpression:
          'SET #state = :creating, #owner = :c, provider = :p, entity = :e, #ref = :r, updatedAt = :at, unconfirmed = if_not_exists(unconfirmed, :zero), firstSentAt = if_not_exists(firstSentAt, :at)',
        ConditionExpression: 'attribute_not_exists(pk) OR (#state = :creating AND #owner = :c)',
        ExpressionAttributeNames: ENTITY_NAMES,
        ExpressionAttributeValues: { ...entityValues(key, commandId, at), ':creating': 'creating', ':zero': 0 },
        ReturnValues: 'ALL_OLD',
      });
      // The item as it was: none means this is the first claim (sent from now); a claim of ours without
      // firstSentAt (written before it existed) is of unknown age, so it reports none.
      const old = res.Attributes;
      const firstSentAt = old ? old.firstSentAt : at.toISOString();
      return {
        kind: 'claimed',
        unconfirmed: Number(old?.unconfirmed ?? 0),
        ...(typeof firstSentAt === 'string' ? { firstSentAt } : {}),
      };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const current = await this.get(key);
      if (current?.state === 'mapped' && current.providerId) return { kind: 'mapped', providerId: current.providerId };
      if (current?.owner) return { kind: 'busy', owner: current.owner };
      // Released between the write and the read: the next delivery claims it.
      return { kind: 'busy', owner: 'unknown' };
    }
  }

  async countSent(key: EntityKey, commandId: string, delta: 1 | -1): Promise<void> {
    await this.doc.update({
      TableName: this.tableName,
      Key: { pk: entityKey(key) },
      UpdateExpression: 'ADD unconfirmed :d',
      ConditionExpression: '#owner = :c',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':d': delta, ':c': commandId },
    });
  }

  async map(key: EntityKey, providerId: string, commandId: string, at: Date): Promise<void> {
    await this.doc.update({
      TableName: this.tableName,
      Key: { pk: entityKey(key) },
      UpdateExpression:
        'SET #state = :mapped, providerId = :id, commandId = :c, provider = :p, entity = :e, #ref = :r, updatedAt = :at REMOVE #owner, unconfirmed',
      ConditionExpression: 'attribute_not_exists(pk) OR #owner = :c',
      ExpressionAttributeNames: ENTITY_NAMES,
      ExpressionAttributeValues: { ...entityValues(key, commandId, at), ':mapped': 'mapped', ':id': providerId },
    });
  }

  async release(key: EntityKey, commandId: string): Promise<void> {
    try {
      await this.doc.delete({
        TableName: this.tableName,
        Key: { pk: entityKey(key) },
        ConditionExpression: '#state = :creating AND #owner = :c',
        ExpressionAttributeNames: { '#state': 'state', '#owner': 'owner' },
        ExpressionAttributeValues: { ':creating': 'creating', ':c': commandId },
      });
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
}
