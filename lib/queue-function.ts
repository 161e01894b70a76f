import type { Duration } from 'aws-cdk-lib';
import { SqsEventSource, type SqsEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { AlarmId } from '../lambdas/core/alarm-rules';
import { ENV } from '../lambdas/core/env-contract';
import { acknowledgeSqsMapping, acknowledgeTrigger } from './acknowledgements';
import { HandlerFunction, type HandlerFunctionProps } from './lambda-function';
import type { ProviderMonitoring } from './observability/observability';
import { allowProviderCalls, type ProviderCallsProps } from './provider-calls';
import { grantProviderItems, type ProviderItems } from './table-grants';
import type { WorkQueue } from './work-queue';

/** How an integration tunes its queue consumer; each integration has its own defaults. */
export interface QueueConsumerSettings {
  timeout?: Duration;
  batchSize?: number;
  /** How long the event source mapping may gather a batch before it invokes (it invokes at once when full). */
  batchWindow?: Duration;
  maxConcurrency?: number;
  maxReceiveCount?: number;
}

export interface QueueFunctionProps extends Omit<HandlerFunctionProps, 'timeout'> {
  /** The queue it consumes and its DLQ (`workQueue`); the function's timeout is the queue's consumer timeout. */
  work: WorkQueue;
  /**
   * The SQS event source; defaults: batches of 10, at most 5 concurrent batches. Its batching window is the work
   * queue's (`workQueue`), which the visibility timeout includes. Partial batch responses are always on: the handlers
   * report failed items.
   */
  eventSource?: Omit<SqsEventSourceProps, 'reportBatchItemFailures' | 'maxBatchingWindow'>;
  /**
   * Tables it reads and writes items of, each with the actions it uses, on its provider's keys only (table-grants.ts).
   */
  itemTables?: readonly ProviderItems[];
  /** Set when it calls the provider: reads the provider's client secrets and records API notices. */
  calls?: ProviderCallsProps;
  /** Its alarms: errors and throttles as `role`, and `dlqAlarm` on its DLQ when given. */
  monitoring?: { provider: ProviderMonitoring; role: string; dlqAlarm?: AlarmId };
}

/**
 * A handler that consumes a work queue, in the style of AWS Solutions Constructs' aws-sqs-lambda: the SQS event
 * source with partial batch responses, its DLQ wired in (DLQ_URL and MAX_RECEIVE_COUNT set, send granted, so the
 * handler can dead-letter a permanent failure at once), the actions it names on its provider's items (its PROVIDER
 * variable) of the tables it names, the provider's
 * client secrets when it calls out, and its alarms. Everything else a HandlerFunction is; each part overridable by
 * props. The queue and DLQ come from `workQueue`, so the visibility timeout always fits the function's timeout.
 *
 * @example
 * const work = workQueue(this, Duration.seconds(60), 5);
 * new QueueFunction(this, 'Writer', {
 *   handler: 'command-writer',
 *   work,
 *   environment: { PROVIDER: 'trello' },
 *   itemTables: [{ table: tables.commands, actions: ['dynamodb:UpdateItem'] }],
 *   calls: { provider, secrets, apiNotices: tables.apiNotices },
 *   monitoring: { provider: observability.provider('trello'), role: 'writer', dlqAlarm: 'command-dlq-not-empty' },
 * });
 */
export class QueueFunction extends HandlerFunction {
  readonly queue: Queue;
  readonly dlq: Queue;

  constructor(scope: Construct, id: string, props: QueueFunctionProps) {
    const { work } = props;
    super(scope, id, {
      handler: props.handler,
      memorySize: props.memorySize,
      logRetention: props.logRetention,
      overrides: props.overrides,
      timeout: work.consumerTimeout,
      environment: {
        ...props.environment,
        [ENV.dlqUrl]: work.dlq.queueUrl,
        [ENV.maxReceiveCount]: String(work.maxReceiveCount),
      },
    });
    this.queue = work.queue;
    this.dlq = work.dlq;
    this.addEventSource(
      new SqsEventSource(work.queue, {
        batchSize: 10,
        maxConcurrency: 5,
        ...props.eventSource,
        maxBatchingWindow: work.batchWindow,
        reportBatchItemFailures: true,
      }),
    );
    acknowledgeTrigger(this, 'sqs');
    // The mapping is this function's child: the acknowledgement covers it.
    acknowledgeSqsMapping(this);
    work.dlq.grantSendMessages(this);
    const provider = props.environment?.[ENV.provider];
    for (const { table, actions } of props.itemTables ?? []) {
      if (!provider) throw new Error(`${id}: itemTables need the function's ${ENV.provider} variable`);
      grantProviderItems(table, this, provider, actions);
    }
    if (props.calls) allowProviderCalls(this, props.calls);
    const monitoring = props.monitoring;
    if (monitoring?.dlqAlarm) monitoring.provider.queue(monitoring.dlqAlarm, work.dlq);
    monitoring?.provider.lambda(monitoring.role, this);
  }
}
