import { Duration, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CLIENT_DEFAULTS } from '../lambdas/core/client/defaults';
import { ENV } from '../lambdas/core/env-contract';
import type { ProviderDefinition, SyncSource } from '../lambdas/core/provider';
import { SYNC_DEFAULTS } from '../lambdas/core/sync/defaults';
import { acknowledgeTrigger } from './acknowledgements';
import { grantSecretReads, targetSecretNames } from './auth-secrets';
import { HandlerFunction } from './lambda-function';
import { allowProviderCalls } from './provider-calls';
import type { ProviderIntegrationProps } from './shared-parts';
import { grantProviderItems, type ItemAction } from './table-grants';
import { deadLetterQueue } from './work-queue';

/** A sync function's memory (MB): a run holds pages and a window's records or events. */
export const SYNC_MEMORY_MB = 512;

/**
 * A sync function's timeout (s): the longest of its sources' `timeoutSeconds`; a synth error unless it leaves room
 * for one attempt and the run's margins, within Lambda's 900 s.
 *
 * @example
 * syncTimeoutSeconds(stripe, stripe.recover!, 'recovery') // 300
 */
export function syncTimeoutSeconds(
  provider: ProviderDefinition,
  sources: readonly Pick<SyncSource, 'timeoutSeconds'>[],
  role: string,
): number {
  if (sources.length === 0) throw new Error(`${provider.name} has nothing for a ${role} to run`);
  const timeoutSeconds = Math.max(...sources.map((p) => p.timeoutSeconds ?? SYNC_DEFAULTS.timeoutSeconds));
  const minimum =
    (provider.timeouts?.attemptMs ?? CLIENT_DEFAULTS.attemptMs) +
    (provider.timeouts?.safetyMarginMs ?? CLIENT_DEFAULTS.safetyMarginMs) +
    SYNC_DEFAULTS.stopMarginMs +
    SYNC_DEFAULTS.writeReserveMs;
  if (timeoutSeconds * 1000 < minimum || timeoutSeconds > 900) {
    throw new Error(
      `${provider.name}: a ${role} timeout of ${timeoutSeconds} s must be between ${Math.ceil(minimum / 1000)} s (one attempt, margins) and 900 s (Lambda's maximum)`,
    );
  }
  return timeoutSeconds;
}

/**
 * The DLQ of a provider's scheduled function: where Scheduler puts invocations it could not make and Lambda puts
 * failed runs.
 *
 * @example
 * const dlq = schedulerDlq(this, 'SchedulerDlq', 'poller');
 */
export function schedulerDlq(scope: Construct, id: string, role: string): IQueue {
  const dlq = deadLetterQueue(scope, id);
  Validations.of(dlq).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This is itself a dead-letter queue (EventBridge Scheduler's and the ${role}'s async failure destination); nag only recognises DLQs that an SQS queue redrives to.`,
  });
  return dlq;
}

export interface SyncFunctionProps extends ProviderIntegrationProps {
  /** File under lambdas/handlers/ (`poller`, `recovery`). */
  handler: string;
  /** The polls or recoveries it runs: its timeout, and the secrets that list their targets. */
  sources: readonly Pick<SyncSource, 'timeoutSeconds' | 'targets'>[];
  dlq: IQueue;
  /** Environment beyond the provider, namespace, secret prefix and sync tables. */
  environment?: Record<string, string>;
}

/**
 * A scheduled sync function of one provider: invoked by Scheduler with failed runs sent to `dlq`; the sync state
 * tables with the few item actions the engine uses, on its provider's keys only; the provider's client secrets and
 * the secrets listing its targets; API notices and the circuit state.
 *
 * @example
 * const poller = syncFunction(this, 'Poller', { handler: 'poller', sources: football.polls!, dlq, provider, secrets, shared });
 */
export function syncFunction(scope: Construct, id: string, props: SyncFunctionProps): HandlerFunction {
  const { provider, secrets, shared, sources, dlq } = props;
  const { tables } = shared;
  const fn = new HandlerFunction(scope, id, {
    handler: props.handler,
    timeout: Duration.seconds(syncTimeoutSeconds(provider, sources, props.handler)),
    memorySize: SYNC_MEMORY_MB,
    environment: {
      [ENV.provider]: provider.name,
      [ENV.namespace]: shared.namespace,
      [ENV.secretPrefix]: shared.secretPrefix,
      [ENV.checkpointsTable]: tables.checkpoints.tableName,
      [ENV.gapsTable]: tables.gaps.tableName,
      [ENV.quarantineTable]: tables.quarantine.tableName,
      ...props.environment,
    },
  });
  acknowledgeTrigger(fn, 'schedule');
  // Scheduler invokes asynchronously; the next scheduled run is the retry, so a failed run goes straight to the DLQ.
  fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.hours(1), onFailure: new SqsDestination(dlq) });
  const items = (table: ITable, actions: ItemAction[]) => grantProviderItems(table, fn, provider.name, actions);
  items(tables.checkpoints, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  items(tables.gaps, ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']);
  items(tables.quarantine, ['dynamodb:UpdateItem']);
  allowProviderCalls(fn, { provider, secrets, apiNotices: tables.apiNotices, circuits: tables.circuits });
  // Sources run per target (Trello's boards, GitHub's hooks) read the secret that lists them.
  grantSecretReads(fn, provider, secrets, targetSecretNames(sources));
  return fn;
}
