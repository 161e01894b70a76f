import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { ENV } from '../lambdas/core/env-contract';
import { clientSecretNames, grantSecretReads } from './auth-secrets';
import type { ProviderDefinition, ProviderSecrets } from './shared-parts';

export interface ProviderCallsProps {
  provider: ProviderDefinition;
  secrets: ProviderSecrets;
  /** Where the client records endpoints in use and their deprecation notices. */
  apiNotices: ITable;
  /** Where the client records its breaker's transitions (`npm run ops -- circuit`). */
  circuits?: ITable;
}

/**
 * Lets a function record the endpoints it calls and their deprecation notices (`npm run ops -- versions`):
 * sets API_NOTICES_TABLE and grants UpdateItem on that table only.
 *
 * @example
 * recordApiNotices(pollerFn, tables.apiNotices);
 */
export function recordApiNotices(fn: LambdaFunction, table: ITable): void {
  fn.addEnvironment(ENV.apiNoticesTable, table.tableName);
  table.grant(fn, 'dynamodb:UpdateItem');
}

/**
 * Lets a function call its provider through the client: read the provider's client secrets (never the webhook
 * signing secret) and record API notices.
 *
 * @example
 * allowProviderCalls(writerFn, { provider: trello, secrets, apiNotices: tables.apiNotices });
 */
export function allowProviderCalls(fn: LambdaFunction, props: ProviderCallsProps): void {
  grantSecretReads(fn, props.provider, props.secrets, clientSecretNames(props.provider));
  recordApiNotices(fn, props.apiNotices);
  if (props.circuits) recordCircuits(fn, props.circuits);
}

/**
 * Lets a function record its breaker's transitions (rare: open, half-open, closed): sets CIRCUITS_TABLE and grants
 * PutItem on that table only.
 *
 * @example
 * recordCircuits(pollerFn, tables.circuits);
 */
export function recordCircuits(fn: LambdaFunction, table: ITable): void {
  fn.addEnvironment(ENV.circuitsTable, table.tableName);
  table.grant(fn, 'dynamodb:PutItem');
}
