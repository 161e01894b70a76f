/**
 * DynamoDB tables as data: CDK creates them from this, the local stack creates them in dynalite
 * from this, so both always agree.
 */
export interface TableSpec {
  /** Default physical name in the local stack; CDK names get a stack prefix. */
  name: string;
  partitionKey: string;
  sortKey?: string;
  ttlAttribute?: string;
  pointInTimeRecovery: boolean;
}

export const TABLES = {
  idempotency: { name: 'idempotency', partitionKey: 'id', ttlAttribute: 'expiration', pointInTimeRecovery: false },
  records: { name: 'records', partitionKey: 'pk', pointInTimeRecovery: true },
  // Scheduled sync state: one checkpoint per provider#poll, gaps by window start, quarantined records by content hash.
  checkpoints: { name: 'checkpoints', partitionKey: 'id', pointInTimeRecovery: true },
  gaps: { name: 'gaps', partitionKey: 'poll', sortKey: 'window', pointInTimeRecovery: true },
  quarantine: { name: 'quarantine', partitionKey: 'poll', sortKey: 'id', ttlAttribute: 'expiresAt', pointInTimeRecovery: false },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;
