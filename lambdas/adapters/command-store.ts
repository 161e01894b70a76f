import {
  commandKey,
  type CommandOutcome,
  type CommandOutcomeStore,
  type CommandRunStore,
  type OutcomeBase,
  type WriteAction,
} from '../core/writes/outcomes';
import { isConditionFailure, type DocumentClient } from './document';

/** Outcomes are kept 30 days (TTL), long past any redelivery or redrive. */
const KEEP_SECONDS = 30 * 24 * 3600;

const SAME_INPUT = 'attribute_not_exists(commandId) OR inputHash = :h';

/** The item's key: the table's key attribute keeps its name, `commandId`, and holds `<provider>#<commandId>`. */
const keyOf = (base: Pick<OutcomeBase, 'provider' | 'commandId'>) => ({
  commandId: commandKey(base.provider, base.commandId),
});

/**
 * What a command's deliveries write to the outcomes table: the command writer's part of DynamoCommandStore,
 * a class of its own so the writer's bundle holds no more of it.
 *
 * @example
 * const outcomes = new DynamoCommandRuns(doc, process.env.COMMANDS_TABLE!);
 * if ((await outcomes.start(base, new Date())) === 'conflict') ...
 */
export class DynamoCommandRuns implements CommandRunStore {
  constructor(
    protected readonly doc: DocumentClient,
    protected readonly tableName: string,
  ) {}

  private fixed(base: OutcomeBase, at: Date): Record<string, unknown> {
    const values: Record<string, unknown> = {
      ':p': base.provider,
      ':o': base.operation,
      ':h': base.inputHash,
      ':at': at.toISOString(),
      ':exp': Math.floor(at.getTime() / 1000) + KEEP_SECONDS,
    };
    if (base.correlationId) values[':corr'] = base.correlationId;
    if (base.entity) values[':e'] = base.entity;
    if (base.ref) values[':r'] = base.ref;
    return values;
  }

  private setFixed(base: OutcomeBase): string {
    return [
      'provider = :p, operation = :o, inputHash = :h, updatedAt = :at, createdAt = if_not_exists(createdAt, :at), expiresAt = :exp',
      base.correlationId ? ', correlationId = :corr' : '',
      base.entity ? ', entity = :e' : '',
      base.ref ? ', #ref = :r' : '',
    ].join('');
  }

  async start(base: OutcomeBase, at: Date): Promise<'ok' | 'conflict'> {
    try {
      await this.doc.update({
        TableName: this.tableName,
        Key: keyOf(base),
        UpdateExpression: `SET ${this.setFixed(base)}, #s = :running, attempts = if_not_exists(attempts, :zero) + :one`,
        ConditionExpression: SAME_INPUT,
        ExpressionAttributeNames: { '#s': 'status', ...(base.ref ? { '#ref': 'ref' } : {}) },
        ExpressionAttributeValues: { ...this.fixed(base, at), ':running': 'running', ':zero': 0, ':one': 1 },
      });
      return 'ok';
    } catch (err) {
      if (isConditionFailure(err)) return 'conflict';
      throw err;
    }
  }

  async succeed(
    base: OutcomeBase,
    result: { action: WriteAction; providerId: string; providerCalls: number },
    at: Date,
  ): Promise<void> {
    await this.doc.update({
      TableName: this.tableName,
      Key: keyOf(base),
      UpdateExpression:
        'SET #s = :done, #action = :a, providerId = :id, updatedAt = :at, providerCalls = if_not_exists(providerCalls, :zero) + :n REMOVE lastError',
      ConditionExpression: 'inputHash = :h',
      ExpressionAttributeNames: { '#s': 'status', '#action': 'action' },
      ExpressionAttributeValues: {
        ':done': 'succeeded',
        ':a': result.action,
        ':id': result.providerId,
        ':at': at.toISOString(),
        ':zero': 0,
        ':n': result.providerCalls,
        ':h': base.inputHash,
      },
    });
  }

  async fail(
    base: OutcomeBase,
    status: 'retrying' | 'failed',
    error: { kind: string; message: string },
    providerCalls: number,
    at: Date,
  ): Promise<void> {
    try {
      await this.doc.update({
        TableName: this.tableName,
        Key: keyOf(base),
        UpdateExpression: `SET ${this.setFixed(base)}, #s = :s, lastError = :err, attempts = if_not_exists(attempts, :zero), providerCalls = if_not_exists(providerCalls, :zero) + :n`,
        // A succeeded command is done: a later delivery that fails before it runs (and is then skipped as done) must
        // not undo that.
        ConditionExpression: `(${SAME_INPUT}) AND (attribute_not_exists(#s) OR #s <> :done)`,
        ExpressionAttributeNames: { '#s': 'status', ...(base.ref ? { '#ref': 'ref' } : {}) },
        ExpressionAttributeValues: {
          ...this.fixed(base, at),
          ':s': status,
          ':err': { kind: error.kind, message: error.message.slice(0, 1000) },
          ':zero': 0,
          ':n': providerCalls,
          ':done': 'succeeded',
        },
      });
    } catch (err) {
      // Another input owns this command id, or it already succeeded: its outcome is not ours to change.
      if (!isConditionFailure(err)) throw err;
    }
  }
}

/**
 * Command outcomes in DynamoDB, one item per provider and command id (`<provider>#<commandId>`), bound to the first
 * input hash it was seen with; the `byProvider` index lists a provider's commands by last update.
 *
 * @example
 * const outcomes = new DynamoCommandStore(doc, process.env.COMMANDS_TABLE!);
 * await outcomes.list('stripe', { limit: 20 }); // newest first
 */
export class DynamoCommandStore extends DynamoCommandRuns implements CommandOutcomeStore {
  async accept(base: OutcomeBase, at: Date): Promise<'new' | 'known' | 'conflict'> {
    try {
      await this.doc.put({
        TableName: this.tableName,
        Item: {
          ...keyOf(base),
          provider: base.provider,
          operation: base.operation,
          inputHash: base.inputHash,
          correlationId: base.correlationId,
          status: 'queued',
          attempts: 0,
          createdAt: at.toISOString(),
          updatedAt: at.toISOString(),
          expiresAt: Math.floor(at.getTime() / 1000) + KEEP_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(commandId)',
      });
      return 'new';
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const current = await this.get(base.provider, base.commandId);
      return current?.inputHash === base.inputHash ? 'known' : 'conflict';
    }
  }

  async discard(base: OutcomeBase): Promise<void> {
    try {
      await this.doc.delete({
        TableName: this.tableName,
        Key: keyOf(base),
        ConditionExpression: '#s = :q AND inputHash = :h',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':q': 'queued', ':h': base.inputHash },
      });
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async get(provider: string, commandId: string): Promise<CommandOutcome | undefined> {
    const res = await this.doc.get({
      TableName: this.tableName,
      Key: keyOf({ provider, commandId }),
      ConsistentRead: true,
    });
    return res.Item ? strip(res.Item) : undefined;
  }

  async list(provider: string, opts: { limit?: number } = {}): Promise<CommandOutcome[]> {
    const out: CommandOutcome[] = [];
    const limit = opts.limit ?? 100;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.query({
        TableName: this.tableName,
        IndexName: 'byProvider',
        KeyConditionExpression: 'provider = :p',
        ExpressionAttributeValues: { ':p': provider },
        ScanIndexForward: false,
        Limit: limit - out.length,
        ExclusiveStartKey: start,
      });
      out.push(...(page.Items ?? []).map(strip));
      start = page.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out;
  }
}

/**
 * The outcome of an item: the caller's command id back from the key (items from before ids were per provider have
 * none).
 */
function strip(item: Record<string, unknown>): CommandOutcome {
  const { expiresAt: _e, ...rest } = item as Record<string, unknown> & { commandId: string; provider: string };
  const prefix = `${rest.provider}#`;
  const commandId = rest.commandId.startsWith(prefix) ? rest.commandId.slice(prefix.length) : rest.commandId;
  return { ...rest, commandId } as unknown as CommandOutcome;
}
