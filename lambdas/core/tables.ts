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
  /** On for every table: billed by table size (TTL keeps these small) and restores what a bad deploy or script deletes. cdk-nag DDB3 checks it. */
  pointInTimeRecovery: boolean;
  /** A DynamoDB stream of the table (the records table's feeds change events). */
  stream?: 'NEW_AND_OLD_IMAGES';
  /** Global secondary indexes (string keys, all attributes projected). */
  indexes?: readonly { name: string; partitionKey: string; sortKey?: string }[];
}

export const TABLES = {
  idempotency: { name: 'idempotency', partitionKey: 'id', ttlAttribute: 'expiration', pointInTimeRecovery: true },
  // Its stream (old and new item) feeds change events: lib/change-events.ts.
  records: { name: 'records', partitionKey: 'pk', pointInTimeRecovery: true, stream: 'NEW_AND_OLD_IMAGES' },
  // Writes: our id -> the provider's id per entity (`provider#entity#ref`), and one outcome per command.
  externalIds: { name: 'external-ids', partitionKey: 'pk', pointInTimeRecovery: true },
  commands: {
    name: 'commands',
    partitionKey: 'commandId',
    ttlAttribute: 'expiresAt',
    pointInTimeRecovery: true,
    indexes: [{ name: 'byProvider', partitionKey: 'provider', sortKey: 'updatedAt' }],
  },
  /** One item per provider endpoint the client called: last seen, and any deprecation or sunset notice (core/api-notice-recorder.ts). */
  apiNotices: {
    name: 'api-notices',
    partitionKey: 'provider',
    sortKey: 'endpoint',
    ttlAttribute: 'expiresAt',
    pointInTimeRecovery: true,
  },
  // Scheduled sync state: one checkpoint per provider#poll, gaps by window start, quarantined records by content hash.
  checkpoints: { name: 'checkpoints', partitionKey: 'id', pointInTimeRecovery: true },
  gaps: { name: 'gaps', partitionKey: 'poll', sortKey: 'window', pointInTimeRecovery: true },
  quarantine: {
    name: 'quarantine',
    partitionKey: 'poll',
    sortKey: 'id',
    ttlAttribute: 'expiresAt',
    pointInTimeRecovery: true,
  },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;
