import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CLIENT_DEFAULTS } from '../lambdas/core/client/defaults';
import { ENV } from '../lambdas/core/env-contract';
import { SYNC_DEFAULTS } from '../lambdas/core/sync/defaults';
import type { ProviderDefinition } from '../lambdas/core/provider';
import { acknowledgeRolePolicies, acknowledgeTrigger } from './acknowledgements';
import { HandlerFunction } from './lambda-function';
import { allowProviderCalls } from './provider-calls';
import type { ProviderIntegrationProps } from './shared-parts';
import { grantProviderItems, type ItemAction } from './table-grants';
import { deadLetterQueue } from './work-queue';

export interface PollIntegrationProps extends ProviderIntegrationProps {
  /** Where failed schedule deliveries and failed runs go; default: a DLQ of this provider's own. */
  dlq?: IQueue;
  /** Scheduler retries of a failed invocation request (default 3) within `maxEventAge` (default 1 hour). */
  retryAttempts?: number;
  maxEventAge?: Duration;
}

/** The poller's memory (MB): a run holds pages and a window's records. */
export const POLLER_MEMORY_MB = 512;

/**
 * The poller's timeout (s): the longest of the provider's polls' `timeoutSeconds`; a synth error unless it leaves
 * room for one attempt and the run's margins, within Lambda's 900 s.
 */
function pollerTimeoutSeconds(provider: ProviderDefinition): number {
  const polls = provider.polls ?? [];
  if (polls.length === 0) throw new Error(`${provider.name} has no polls`);
  const timeoutSeconds = Math.max(...polls.map((p) => p.timeoutSeconds ?? SYNC_DEFAULTS.timeoutSeconds));
  const minimum =
    (provider.timeouts?.attemptMs ?? CLIENT_DEFAULTS.attemptMs) +
    (provider.timeouts?.safetyMarginMs ?? CLIENT_DEFAULTS.safetyMarginMs) +
    SYNC_DEFAULTS.stopMarginMs +
    SYNC_DEFAULTS.writeReserveMs;
  if (timeoutSeconds * 1000 < minimum || timeoutSeconds > 900) {
    throw new Error(
      `${provider.name}: a poller timeout of ${timeoutSeconds} s must be between ${Math.ceil(minimum / 1000)} s (one attempt, margins) and 900 s (Lambda's maximum)`,
    );
  }
  return timeoutSeconds;
}

/**
 * One provider's scheduled syncs: a poller Lambda and, per poll, an EventBridge Scheduler schedule that
 * invokes it with `{ provider, poll }`, with retries and a DLQ (Scheduler has neither by default), and their alarms.
 * The poller's timeout is the longest of its polls' `timeoutSeconds`; the client inside ends each call
 * before the remaining time runs out, and the run stops starting pages 10 s before it. The function
 * reads only the provider's client secrets and touches the sync tables with the few actions it uses.
 *
 * @example
 * new PollIntegration(stack, 'Poll-football', { provider: football, secrets, shared });
 */
export class PollIntegration extends Construct {
  readonly poller: HandlerFunction;
  /** Failed schedule deliveries and failed poller runs of this provider (alarm on its depth). */
  readonly dlq: IQueue;
  readonly schedules: Record<string, Schedule> = {};

  constructor(scope: Construct, id: string, props: PollIntegrationProps) {
    super(scope, id);
    const { provider } = props;
    const timeoutSeconds = pollerTimeoutSeconds(provider);
    this.dlq = props.dlq ?? this.ownDlq();
    this.poller = this.pollerFunction(props, timeoutSeconds);
    this.addSchedules(props);
    const monitoring = props.shared.observability
      .provider(provider.name, provider.displayName)
      .sync()
      .lambda('poller', this.poller);
    for (const poll of provider.polls ?? []) monitoring.queue('scheduler-dlq-not-empty', this.dlq, poll.name);
  }

  private ownDlq(): IQueue {
    const dlq = deadLetterQueue(this, 'SchedulerDlq');
    Validations.of(dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This is itself a dead-letter queue (EventBridge Scheduler's and the poller's async failure destination); nag only recognises DLQs that an SQS queue redrives to.",
    });
    return dlq;
  }

  /** The poller: sync tables with the few actions it uses, the provider's client secrets, API notices. */
  private pollerFunction({ provider, secrets, shared }: PollIntegrationProps, timeoutSeconds: number): HandlerFunction {
    const { tables } = shared;
    const poller = new HandlerFunction(this, 'Poller', {
      handler: 'poller',
      timeout: Duration.seconds(timeoutSeconds),
      memorySize: POLLER_MEMORY_MB,
      environment: {
        [ENV.provider]: provider.name,
        [ENV.namespace]: shared.namespace,
        [ENV.secretPrefix]: shared.secretPrefix,
        [ENV.recordsTable]: tables.records.tableName,
        [ENV.checkpointsTable]: tables.checkpoints.tableName,
        [ENV.gapsTable]: tables.gaps.tableName,
        [ENV.quarantineTable]: tables.quarantine.tableName,
      },
    });
    acknowledgeTrigger(poller, 'schedule');
    // Scheduler invokes asynchronously; the next scheduled run is the retry, so a failed run goes straight to the DLQ.
    poller.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(this.dlq),
    });
    const items = (table: ITable, actions: ItemAction[]) => grantProviderItems(table, poller, provider.name, actions);
    items(tables.records, ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem']);
    items(tables.checkpoints, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    items(tables.gaps, ['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']);
    items(tables.quarantine, ['dynamodb:UpdateItem']);
    allowProviderCalls(poller, { provider, secrets, apiNotices: tables.apiNotices });
    return poller;
  }

  /** One schedule per poll, all invoking the poller through one role, with Scheduler's retries and the DLQ. */
  private addSchedules({ provider, retryAttempts, maxEventAge }: PollIntegrationProps): void {
    // One role for this provider's schedules, limited to this account's Scheduler (confused-deputy guard).
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `Invokes the ${provider.displayName} poller for its schedules`,
    });
    acknowledgeRolePolicies(schedulerRole);
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.poller.node.defaultChild as never)}.Arn>:*]`,
      reason:
        "lambda:InvokeFunction from grantInvoke covers this one poller's versions and aliases (`<poller>:*`), nothing else.",
    });
    for (const poll of provider.polls ?? []) {
      this.schedules[poll.name] = new Schedule(this, `Schedule-${poll.name}`, {
        description: `${provider.displayName} ${poll.name}: ${poll.description ?? 'scheduled sync'}`,
        schedule: ScheduleExpression.expression(poll.schedule, TimeZone.ETC_UTC),
        target: new LambdaInvoke(this.poller, {
          role: schedulerRole,
          input: ScheduleTargetInput.fromObject({ provider: provider.name, poll: poll.name }),
          deadLetterQueue: this.dlq,
          retryAttempts: retryAttempts ?? 3,
          maxEventAge: maxEventAge ?? Duration.hours(1),
        }),
      });
    }
  }
}
