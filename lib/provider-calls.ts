import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { ENV } from '../lambdas/core/env-contract';
import { clientSecretNames, grantSecretReads } from './auth-secrets';
import type { ProviderDefinition, ProviderSecrets } from './shared-parts';
import { grantProviderItems } from './table-grants';

export interface ProviderCallsProps {
  provider: ProviderDefinition;
  secrets: ProviderSecrets;
  /** Where the client records endpoints in use and their deprecation notices. */
  apiNotices: ITable;
  /** Where the client records its breaker's transitions (`npm run ops -- circuit`). */
  circuits?: ITable;
}

/**
 * Lets a function record the endpoints of `provider` it calls and their deprecation notices
 * (`npm run ops -- versions`): sets API_NOTICES_TABLE and grants UpdateItem on that provider's items only.
 *
 * @example
 * recordApiNotices(pollerFn, 'football', tables.apiNotices);
 */
export function recordApiNotices(fn: LambdaFunction, provider: string, table: ITable): void {
  fn.addEnvironment(ENV.apiNoticesTable, table.tableName);
  grantProviderItems(table, fn, provider, ['dynamodb:UpdateItem']);
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
  recordApiNotices(fn, props.provider.name, props.apiNotices);
  if (props.circuits) recordCircuits(fn, props.provider.name, props.circuits);
}

/**
 * Lets a function record its breaker's transitions (rare: open, half-open, closed): sets CIRCUITS_TABLE and grants
 * PutItem on that provider's items only.
 *
 * @example
 * recordCircuits(pollerFn, 'football', tables.circuits);
 */
export function recordCircuits(fn: LambdaFunction, provider: string, table: ITable): void {
  fn.addEnvironment(ENV.circuitsTable, table.tableName);
  grantProviderItems(table, fn, provider, ['dynamodb:PutItem']);
}
