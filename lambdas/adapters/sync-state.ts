import type { QueryCommandOutput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type { PagePosition } from '../core/client/types';
import {
  type Checkpoint,
  type Gap,
  type InProgress,
  pollKey,
  type QuarantineEntry,
  type SyncStateStore,
} from '../core/sync/state';
import { isConditionFailure, type DocumentClient } from './document';

/** Quarantined records are kept this long (TTL), then DynamoDB deletes them. */
export const QUARANTINE_DAYS = 30;
const MAX_RECORD_BYTES = 32_000;

export interface SyncTables {
  checkpoints: string;
  gaps: string;
  quarantine: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function bounded(record: unknown): string {
  const text = JSON.stringify(record) ?? 'null';
  return Buffer.byteLength(text) <= MAX_RECORD_BYTES ? text : `${text.slice(0, MAX_RECORD_BYTES / 4)}...(truncated)`;
}

/**
 * A poll's state in three DynamoDB tables (specs in core/tables.ts): `checkpoints` (one item per
 * provider#poll: cursor, in-progress page, pause, lease), `gaps` (provider#poll, window start) and
 * `quarantine` (provider#poll, record hash; expires after 30 days). Writes are conditional where two
 * runs could race: the cursor only moves forward, a lease has one owner.
 *
 * @example
 * const state = new DynamoSyncState(doc, { checkpoints: 'checkpoints', gaps: 'gaps', quarantine: 'quarantine' });
 * await state.advance('football', 'fixtures', Date.UTC(2024, 7, 2), Date.now());
 */
export class DynamoSyncState implements SyncStateStore {
  constructor(
    private readonly doc: DocumentClient,
    private readonly tables: SyncTables,
  ) {}

  async getCheckpoint(provider: string, poll: string): Promise<Checkpoint | undefined> {
    const res = await this.doc.get({
      TableName: this.tables.checkpoints,
      Key: { id: pollKey(provider, poll) },
      ConsistentRead: true,
    });
    if (!res.Item) return undefined;
    const { id: _id, updatedAt: _u, ...checkpoint } = res.Item;
    return checkpoint as Checkpoint;
  }

  async acquireLease(provider: string, poll: string, owner: string, now: number, until: number): Promise<boolean> {
    return this.conditional({
      TableName: this.tables.checkpoints,
      Key: { id: pollKey(provider, poll) },
      UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
      ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner',
      ExpressionAttributeValues: { ':owner': owner, ':until': until, ':now': now },
    });
  }

  async releaseLease(provider: string, poll: string, owner: string): Promise<void> {
    await this.conditional({
      TableName: this.tables.checkpoints,
      Key: { id: pollKey(provider, poll) },
      UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ':owner': owner },
    });
  }

  async advance(provider: string, poll: string, cursor: number, now: number): Promise<void> {
    await this.conditional({
      TableName: this.tables.checkpoints,
      Key: { id: pollKey(provider, poll) },
      UpdateExpression:
        'SET #cursor = :cursor, lastSyncedAt = :now, updatedAt = :now REMOVE inProgress, resumeAt, resumeReason',
      ConditionExpression: 'attribute_not_exists(#cursor) OR #cursor < :cursor',
      ExpressionAttributeNames: { '#cursor': 'cursor' },
      ExpressionAttributeValues: { ':cursor': cursor, ':now': now },
    });
  }

  async saveProgress(
    provider: string,
    poll: string,
    progress: { inProgress?: InProgress; resumeAt?: number; resumeReason?: string; now: number },
  ): Promise<void> {
    const { inProgress, resumeAt, resumeReason, now } = progress;
    const pause = resumeAt !== undefined ? { resumeAt, resumeReason: (resumeReason ?? '').slice(0, 500) } : {};
    if (inProgress) {
      // Only while the cursor has not passed the window: an overlapping run may have finished it.
      const saved = await this.conditional({
        TableName: this.tables.checkpoints,
        Key: { id: pollKey(provider, poll) },
        UpdateExpression: `SET inProgress = :inProgress, updatedAt = :now${resumeAt !== undefined ? ', resumeAt = :resumeAt, resumeReason = :resumeReason' : ''}`,
        ConditionExpression: 'attribute_not_exists(#cursor) OR #cursor <= :from',
        ExpressionAttributeNames: { '#cursor': 'cursor' },
        ExpressionAttributeValues: {
          ':inProgress': inProgress,
          ':now': now,
          ':from': inProgress.from,
          ...prefixed(pause),
        },
      });
      if (saved || resumeAt === undefined) return;
    }
    if (resumeAt === undefined) return;
    await this.doc.update({
      TableName: this.tables.checkpoints,
      Key: { id: pollKey(provider, poll) },
      UpdateExpression: 'SET resumeAt = :resumeAt, resumeReason = :resumeReason, updatedAt = :now',
      ExpressionAttributeValues: { ':now': now, ...prefixed(pause) },
    });
  }

  async gaps(provider: string, poll: string, range?: { from: number; to: number }): Promise<Gap[]> {
    const out: Gap[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.doc.query({
        TableName: this.tables.gaps,
        KeyConditionExpression: range ? '#poll = :poll AND #window < :to' : '#poll = :poll',
        ExpressionAttributeNames: { '#poll': 'poll', ...(range ? { '#window': 'window' } : {}) },
        ExpressionAttributeValues: { ':poll': pollKey(provider, poll), ...(range ? { ':to': iso(range.to) } : {}) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      });
      for (const item of page.Items ?? []) {
        const { poll: _p, window: _w, ...gap } = item;
        if (!range || (gap.to as number) > range.from) out.push(gap as Gap);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async recordGap(
    provider: string,
    poll: string,
    gap: {
      from: number;
      to: number;
      errorKind: string;
      lastError: string;
      position?: PagePosition;
      now: number;
      countAttempt: boolean;
    },
  ): Promise<void> {
    await this.doc.update({
      TableName: this.tables.gaps,
      Key: { poll: pollKey(provider, poll), window: iso(gap.from) },
      UpdateExpression: `SET #from = :from, #to = :to, errorKind = :kind, lastError = :error, lastAttemptAt = :now, firstFailedAt = if_not_exists(firstFailedAt, :now)${gap.position ? ', #position = :position' : ''} ADD attempts :count${gap.position ? '' : ' REMOVE #position'}`,
      ExpressionAttributeNames: { '#from': 'from', '#to': 'to', '#position': 'position' },
      ExpressionAttributeValues: {
        ':from': gap.from,
        ':to': gap.to,
        ':kind': gap.errorKind,
        ':error': gap.lastError.slice(0, 1000),
        ':now': gap.now,
        ':count': gap.countAttempt ? 1 : 0,
        ...(gap.position ? { ':position': gap.position } : {}),
      },
    });
  }

  async closeGap(provider: string, poll: string, from: number): Promise<void> {
    await this.doc.delete({ TableName: this.tables.gaps, Key: { poll: pollKey(provider, poll), window: iso(from) } });
  }

  async quarantine(provider: string, poll: string, entries: QuarantineEntry[], now: number): Promise<void> {
    const limit = pLimit(8);
    await Promise.all(
      entries.map((e) =>
        limit(() =>
          this.doc.update({
            TableName: this.tables.quarantine,
            Key: { poll: pollKey(provider, poll), id: e.id },
            UpdateExpression:
              'SET reason = :reason, #record = :record, #window = :window, #position = :position, #index = :index, lastSeenAt = :now, firstSeenAt = if_not_exists(firstSeenAt, :now), expiresAt = :expires ADD seen :one',
            ExpressionAttributeNames: {
              '#record': 'record',
              '#window': 'window',
              '#position': 'position',
              '#index': 'index',
            },
            ExpressionAttributeValues: {
              ':reason': e.reason,
              ':record': bounded(e.record),
              ':window': { from: e.window.from, to: e.window.to },
              ':position': e.position,
              ':index': e.index,
              ':now': now,
              ':expires': Math.floor(now / 1000) + QUARANTINE_DAYS * 86_400,
              ':one': 1,
            },
          }),
        ),
      ),
    );
  }

  /** Sends a conditional write; false when its condition failed. */
  private async conditional(input: UpdateCommandInput): Promise<boolean> {
    try {
      await this.doc.update(input);
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}

const prefixed = (values: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [`:${k}`, v]));
