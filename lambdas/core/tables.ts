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
  /**
   * On for every table: billed by table size (TTL keeps these small) and restores what a bad deploy or script deletes.
   * cdk-nag DDB3 checks it.
   */
  pointInTimeRecovery: boolean;
  /** A DynamoDB stream of the table (the records table's feeds change events). */
  stream?: 'NEW_AND_OLD_IMAGES';
  /** Global secondary indexes (string keys; every attribute projected unless `keysOnly`). */
  indexes?: readonly { name: string; partitionKey: string; sortKey?: string; keysOnly?: boolean }[];
  /**
   * How every partition key value names the provider it belongs to, so IAM can hold a provider's functions to
   * their own items (`dynamodb:LeadingKeys`, lib/table-grants.ts): `prefix` is `<provider>#...`, `exact` the
   * provider's name itself. Default `prefix`.
   */
  providerKey?: 'prefix' | 'exact';
}

/** The records table's index by provider, sorted by `pk` (`<provider>#<type>#<key>`). */
export const RECORDS_BY_PROVIDER = 'byProvider';

export const TABLES = {
  /** Powertools idempotency of the command writer: `<provider>#command#<hash>`. */
  idempotency: { name: 'idempotency', partitionKey: 'id', ttlAttribute: 'expiration', pointInTimeRecovery: true },
  /**
   * One item per entity: `<provider>#<type>#<key>`; its stream (old and new item) feeds change events
   * (lib/change-events.ts). `byProvider` lists one type (`begins_with(pk, ...)`) reading only what it returns; keys
   * only, so a write costs the index a unit only when the entity is new (docs/sync.md).
   */
  records: {
    name: 'records',
    partitionKey: 'pk',
    pointInTimeRecovery: true,
    stream: 'NEW_AND_OLD_IMAGES',
    indexes: [{ name: RECORDS_BY_PROVIDER, partitionKey: 'provider', sortKey: 'pk', keysOnly: true }],
  },
  // Writes: our id -> the provider's id per entity (`provider#entity#ref`), and one outcome per command.
  externalIds: { name: 'external-ids', partitionKey: 'pk', pointInTimeRecovery: true },
  /**
   * One outcome per command: `<provider>#<commandId>` (the attribute keeps its first name, so deployed tables stay).
   */
  commands: {
    name: 'commands',
    partitionKey: 'commandId',
    ttlAttribute: 'expiresAt',
    pointInTimeRecovery: true,
    indexes: [{ name: 'byProvider', partitionKey: 'provider', sortKey: 'updatedAt' }],
  },
  /**
   * One item per provider endpoint the client called: last seen, and any deprecation or sunset notice
   * (core/api-notice-recorder.ts).
   */
  apiNotices: {
    name: 'api-notices',
    partitionKey: 'provider',
    sortKey: 'endpoint',
    ttlAttribute: 'expiresAt',
    pointInTimeRecovery: true,
    providerKey: 'exact',
  },
  /** The client's circuit breaker per provider and function, written on transitions only (core/circuit-recorder.ts). */
  circuits: {
    name: 'circuits',
    partitionKey: 'provider',
    sortKey: 'source',
    ttlAttribute: 'expiresAt',
    pointInTimeRecovery: true,
    providerKey: 'exact',
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

/**
 * A provider name as it may lead a key: no IAM wildcard (`*`, `?`) and no `#`, so one provider's pattern never covers
 * another's keys.
 */
export const PROVIDER_KEY_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * The `dynamodb:LeadingKeys` patterns (IAM `StringLike`) that cover exactly one provider's partition keys in a
 * table of this layout.
 *
 * @example
 * providerKeyPatterns('github') // ['github#*']
 * providerKeyPatterns('github', 'exact') // ['github']
 */
export function providerKeyPatterns(provider: string, layout: TableSpec['providerKey'] = 'prefix'): string[] {
  if (!PROVIDER_KEY_NAME.test(provider)) throw new Error(`provider name ${JSON.stringify(provider)} cannot lead a key`);
  return layout === 'exact' ? [provider] : [`${provider}#*`];
}
