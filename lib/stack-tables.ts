import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { tableRole } from '../lambdas/core/resource-tags';
import { TABLES, type TableName, type TableSpec } from '../lambdas/core/tables';
import { tagForOps } from './ops-tags';
import { registerKeyLayout } from './table-grants';

/** The stack's DynamoDB tables by name (lambdas/core/tables.ts): shared by every provider. */
export type StackTables = Record<TableName, Table>;

/**
 * One table from its spec: on-demand, AWS-managed encryption, TTL and point-in-time recovery as the spec says,
 * string keys for the table and its indexes, and its key layout known to grantProviderItems.
 *
 * @example
 * const records = specTable(stack, 'RecordsTable', TABLES.records, RemovalPolicy.RETAIN);
 */
export function specTable(scope: Construct, id: string, spec: TableSpec, removalPolicy: RemovalPolicy): Table {
  const table = new Table(scope, id, {
    partitionKey: { name: spec.partitionKey, type: AttributeType.STRING },
    sortKey: spec.sortKey ? { name: spec.sortKey, type: AttributeType.STRING } : undefined,
    billingMode: BillingMode.PAY_PER_REQUEST,
    encryption: TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: spec.ttlAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: spec.pointInTimeRecovery },
    stream: spec.stream === 'NEW_AND_OLD_IMAGES' ? StreamViewType.NEW_AND_OLD_IMAGES : undefined,
    removalPolicy,
  });
  registerKeyLayout(table, spec);
  for (const index of spec.indexes ?? []) {
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
      sortKey: index.sortKey ? { name: index.sortKey, type: AttributeType.STRING } : undefined,
    });
  }
  return table;
}

/**
 * Every table of lambdas/core/tables.ts, with ids `<Name>Table` (`records` -> `RecordsTable`): the logical ids
 * deployed stages hold their data under, so a table's key in TABLES never changes.
 *
 * @example
 * const tables = stackTables(stack, RemovalPolicy.RETAIN);
 * tables.records.tableName;
 */
export function stackTables(scope: Construct, removalPolicy: RemovalPolicy): StackTables {
  const entries = (Object.keys(TABLES) as TableName[]).map((name) => {
    const id = `${name[0]!.toUpperCase()}${name.slice(1)}Table`;
    const table = specTable(scope, id, TABLES[name], removalPolicy);
    tagForOps(table, tableRole(name));
    return [name, table] as const;
  });
  return Object.fromEntries(entries) as StackTables;
}
