import type { Duration } from 'aws-cdk-lib';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/core/env-contract';
import { POLLER_ROLE } from '../lambdas/core/resource-tags';
import type { HandlerFunction } from './lambda-function';
import { tagForOps } from './ops-tags';
import { scheduleInvocations } from './scheduled-invocations';
import type { ProviderIntegrationProps } from './shared-parts';
import { SYNC_MEMORY_MB, schedulerDlq, syncFunction } from './sync-function';
import { grantProviderItems, type ItemAction } from './table-grants';

export interface PollIntegrationProps extends ProviderIntegrationProps {
  /** Where failed schedule deliveries and failed runs go; default: a DLQ of this provider's own. */
  dlq?: IQueue;
  /** Scheduler retries of a failed invocation request (default 3) within `maxEventAge` (default 1 hour). */
  retryAttempts?: number;
  maxEventAge?: Duration;
}

/** The poller's memory (MB): a run holds pages and a window's records. */
export const POLLER_MEMORY_MB = SYNC_MEMORY_MB;

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
    this.dlq = props.dlq ?? schedulerDlq(this, 'SchedulerDlq', 'poller');
    this.poller = this.pollerFunction(props);
    if (!props.dlq) tagForOps(this.dlq, 'scheduler-dlq', provider.name);
    tagForOps(this.poller, POLLER_ROLE, provider.name);
    this.addSchedules(props);
    const monitoring = props.shared.observability
      .provider(provider.name, provider.displayName)
      .sync()
      .lambda('poller', this.poller);
    for (const poll of provider.polls ?? []) monitoring.queue('scheduler-dlq-not-empty', this.dlq, poll.name);
  }

  /** The poller: a sync function that also reads and writes its provider's records. */
  private pollerFunction(props: PollIntegrationProps): HandlerFunction {
    const { provider, shared } = props;
    const poller = syncFunction(this, 'Poller', {
      ...props,
      handler: 'poller',
      sources: provider.polls ?? [],
      dlq: this.dlq,
      environment: { [ENV.recordsTable]: shared.tables.records.tableName },
    });
    const actions: ItemAction[] = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'];
    grantProviderItems(shared.tables.records, poller, provider.name, actions);
    return poller;
  }

  /** One schedule per poll, all invoking the poller through one role, with Scheduler's retries and the DLQ. */
  private addSchedules({ provider, retryAttempts, maxEventAge }: PollIntegrationProps): void {
    const entries = (provider.polls ?? []).map((poll) => ({
      name: poll.name,
      description: `${provider.displayName} ${poll.name}: ${poll.description ?? 'scheduled sync'}`,
      expression: poll.schedule,
      input: { provider: provider.name, poll: poll.name },
    }));
    const role = `Invokes the ${provider.displayName} poller for its schedules`;
    Object.assign(
      this.schedules,
      scheduleInvocations(this, this.poller, this.dlq, role, entries, { retryAttempts, maxEventAge }),
    );
  }
}
