import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';

/**
 * The item operations the handlers' stores make (Powertools idempotency, records, external ids, command
 * outcomes): single items by key, conditional writes. No Query, Scan or batch: a function cannot dump a table.
 */
export const ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/**
 * Lets `grantee` read and write single items of `table`, on the table itself only: unlike
 * `grantReadWriteData`, no `<table>/index/*` wildcard and no scans (indexes serve the ops CLI, not functions).
 *
 * @example
 * grantItemAccess(stack.tables.records, pollerFn);
 */
export function grantItemAccess(table: ITable, grantee: IGrantable): Grant {
  return Grant.addToPrincipal({ grantee, actions: [...ITEM_ACTIONS], resourceArns: [table.tableArn] });
}
