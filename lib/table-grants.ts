import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { providerKeyPatterns, type TableSpec } from '../lambdas/core/tables';

/**
 * The item operations a provider-scoped function may be granted: each carries its keys, so IAM can check that
 * they lead with the provider. Never Scan (no keys: `ForAllValues` would hold for its empty key set) nor any
 * table-level action.
 */
export type ItemAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:ConditionCheckItem'
  | 'dynamodb:Query';

const ITEM_ACTIONS = new Set<string>([
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:Query',
] satisfies ItemAction[]);

/** What Powertools' DynamoDB persistence layer does with an idempotency record. */
export const IDEMPOTENCY_ACTIONS: readonly ItemAction[] = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

/** A table and the item actions a function uses on it. */
export interface ProviderItems {
  table: ITable;
  actions: readonly ItemAction[];
}

/** Key layouts of the tables made from specs (lib/stack-tables.ts); a table not listed has `<provider>#...` keys. */
const layouts = new WeakMap<ITable, TableSpec['providerKey']>();

/** Records how `table`'s partition keys name their provider (called where the table is made from its spec). */
export function registerKeyLayout(table: ITable, spec: TableSpec): void {
  layouts.set(table, spec.providerKey ?? 'prefix');
}

/**
 * Lets `grantee` use `actions` on the items of `provider` only in a shared `table`: on the table itself (no
 * `index/*`), with `ForAllValues:StringLike` on `dynamodb:LeadingKeys` (`<provider>#*`, or the provider's name
 * where the partition key is the name itself, per lambdas/core/tables.ts). Every provider-scoped function reaches
 * DynamoDB through this, whatever table it adds.
 *
 * @example
 * grantProviderItems(tables.records, processor, 'github', ['dynamodb:GetItem', 'dynamodb:PutItem']);
 */
export function grantProviderItems(
  table: ITable,
  grantee: IGrantable,
  provider: string,
  actions: readonly ItemAction[],
): Grant {
  const bad = actions.filter((a) => !ITEM_ACTIONS.has(a));
  if (actions.length === 0 || bad.length > 0)
    throw new Error(`grantProviderItems(${provider}): item actions only, got ${actions.join(', ') || 'none'}`);
  return Grant.addToPrincipal({
    grantee,
    actions: [...new Set(actions)].sort(),
    resourceArns: [table.tableArn],
    conditions: {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': providerKeyPatterns(provider, layouts.get(table)) },
    },
  });
}
