import type { Duration } from 'aws-cdk-lib';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/core/env-contract';
import { recoveryStateName } from '../lambdas/core/provider';
import { RECOVERY_DLQ_ROLE, RECOVERY_ROLE } from '../lambdas/core/resource-tags';
import type { HandlerFunction } from './lambda-function';
import { tagForOps } from './ops-tags';
import { scheduleInvocations } from './scheduled-invocations';
import type { ProviderIntegrationProps } from './shared-parts';
import { schedulerDlq, syncFunction } from './sync-function';

export interface RecoveryIntegrationProps extends ProviderIntegrationProps {
  /** The provider's webhook queue (its processor's): where recovered events go, as a delivered webhook would. */
  queue: IQueue;
  /** Scheduler retries of a failed invocation request (default 3) within `maxEventAge` (default 1 hour). */
  retryAttempts?: number;
  maxEventAge?: Duration;
}

/**
 * One provider's missed-event recovery: a recovery Lambda and, per `recover` entry, an EventBridge Scheduler
 * schedule that invokes it with `{ provider, recovery }`, with retries and a DLQ of its own, and their alarms.
 * What it reads back from the provider's event log goes to the provider's webhook queue (or the provider
 * redelivers it, GitHub), where the records' version condition applies an event once. It may send to that one queue,
 * put claim-checked payloads under its provider's prefix, read its provider's client and target secrets, and
 * use its own sync state keys (`<provider>#recover-<name>`); it reads and writes no records.
 *
 * @example
 * new RecoveryIntegration(stack, 'Recover-stripe', { provider: stripe, secrets, shared, queue: webhooks.stripe.queue });
 */
export class RecoveryIntegration extends Construct {
  readonly fn: HandlerFunction;
  /** Failed schedule deliveries and failed recovery runs of this provider (alarm on its depth). */
  readonly dlq: IQueue;
  /** By recovery name (`events`, `deliveries`, ...). */
  readonly schedules: Record<string, Schedule>;

  constructor(scope: Construct, id: string, props: RecoveryIntegrationProps) {
    super(scope, id);
    const { provider, shared, queue } = props;
    const recoveries = provider.recover ?? [];
    if (!provider.webhook) throw new Error(`${provider.name} has recoveries but no webhook to feed them into`);
    this.dlq = schedulerDlq(this, 'SchedulerDlq', 'recovery function');
    this.fn = syncFunction(this, 'Recovery', {
      ...props,
      handler: 'recovery',
      sources: recoveries,
      dlq: this.dlq,
      environment: { [ENV.queueUrl]: queue.queueUrl, [ENV.blobBucket]: shared.blobs.bucket.bucketName },
    });
    // Found by `npm run sync -- --recover --aws --stage` and the ops CLI, as the poller and its DLQ are.
    tagForOps(this.fn, RECOVERY_ROLE, provider.name);
    tagForOps(this.dlq, RECOVERY_DLQ_ROLE, provider.name);
    queue.grantSendMessages(this.fn);
    shared.blobs.grantPutPayloads(this.fn, provider.name);
    const entries = recoveries.map((r) => ({
      name: r.name,
      description: `${provider.displayName} recovery ${r.name}: ${r.description ?? 'missed webhooks'}`,
      expression: r.schedule,
      input: { provider: provider.name, recovery: r.name },
    }));
    const role = `Invokes the ${provider.displayName} recovery function for its schedules`;
    this.schedules = scheduleInvocations(this, this.fn, this.dlq, role, entries, props);
    const monitoring = shared.observability
      .provider(provider.name, provider.displayName)
      .sync()
      .lambda('recovery', this.fn);
    for (const r of recoveries) monitoring.queue('scheduler-dlq-not-empty', this.dlq, recoveryStateName(r.name));
  }
}
