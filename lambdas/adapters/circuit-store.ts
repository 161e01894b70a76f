import type { CircuitStore, CircuitTransition, CircuitTransitions } from '../core/circuit-recorder';
import { isConditionFailure, providerItems, type DocumentClient } from './document';

/** A provider no function has called for this long drops out of the table (DynamoDB TTL). */
const KEEP_DAYS = 30;

/**
 * Writes the circuits table (lambdas/core/tables.ts): one item per provider and source, replaced by a newer
 * transition only, so two writes arriving out of order keep the latest. A class of its own so handlers' bundles
 * hold no reads.
 *
 * @example
 * const recorder = circuitRecorder(new DynamoCircuitTransitions(doc, process.env.CIRCUITS_TABLE!), { source });
 */
export class DynamoCircuitTransitions implements CircuitTransitions {
  constructor(
    protected readonly doc: DocumentClient,
    protected readonly tableName: string,
  ) {}

  async record(t: CircuitTransition): Promise<void> {
    try {
      await this.doc.put({
        TableName: this.tableName,
        Item: { ...t, expiresAt: Math.floor(t.at / 1000) + KEEP_DAYS * 86_400 },
        ConditionExpression: 'attribute_not_exists(#at) OR #at <= :at',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':at': t.at },
      });
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
}

/**
 * The circuits table, written (DynamoCircuitTransitions) and read by `ops circuit` and the local dashboard.
 *
 * @example
 * await new DynamoCircuitStore(doc, table).list('github');
 */
export class DynamoCircuitStore extends DynamoCircuitTransitions implements CircuitStore {
  async list(provider?: string): Promise<CircuitTransition[]> {
    const items = await providerItems<CircuitTransition>(this.doc, this.tableName, provider);
    return items.map(({ expiresAt: _e, ...t }: CircuitTransition & { expiresAt?: number }) => ({
      ...t,
      failures: t.failures ?? [],
    }));
  }
}
