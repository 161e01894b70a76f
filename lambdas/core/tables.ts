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
  /** One item per provider endpoint the client called: last seen, and any deprecation or sunset notice (core/api-notices.ts). */
  apiNotices: { name: 'api-notices', partitionKey: 'provider', sortKey: 'endpoint', ttlAttribute: 'expiresAt', pointInTimeRecovery: false },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;
