import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeDeadLetterQueue } from './acknowledgements';

/** How long a work queue keeps a message (days). */
export const QUEUE_RETENTION_DAYS = 4;
/** How long a DLQ keeps a message for redrive (days): SQS's maximum. */
export const DLQ_RETENTION_DAYS = 14;

/**
 * A DLQ for failures: encrypted, TLS only, kept 14 days; the end of its redrive chain (no redrive of its own).
 *
 * @example
 * const dlq = deadLetterQueue(this, 'SchedulerDlq');
 */
export function deadLetterQueue(scope: Construct, id: string): Queue {
  const dlq = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(DLQ_RETENTION_DAYS),
  });
  acknowledgeDeadLetterQueue(dlq);
  return dlq;
}

/** A queue, its DLQ, and what they were sized for. */
export interface WorkQueue {
  queue: Queue;
  dlq: Queue;
  /** The consumer's timeout; the queue's visibility is 6x it. */
  consumerTimeout: Duration;
  /** Receives before a message moves to the DLQ. */
  maxReceiveCount: number;
  /** How long the consumer's event source may gather a batch; the visibility timeout includes it. */
  batchWindow: Duration;
}

/**
 * A work queue and its DLQ for a Lambda consumer with `consumerTimeout` and a `batchWindow` (default 1 s): encrypted,
 * TLS only; visibility 6x the timeout plus the window (AWS guidance: a redelivery never overlaps a running batch);
 * `maxReceiveCount` receives before the DLQ. QueueFunction gathers batches for that same window.
 *
 * @example
 * const { queue, dlq } = workQueue(this, Duration.seconds(30), 5);
 */
export function workQueue(
  scope: Construct,
  consumerTimeout: Duration,
  maxReceiveCount: number,
  batchWindow: Duration = Duration.seconds(1),
): WorkQueue {
  const dlq = deadLetterQueue(scope, 'Dlq');
  const queue = new Queue(scope, 'Queue', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(QUEUE_RETENTION_DAYS),
    // Lambda's guidance for an SQS event source: six times the function's timeout, plus its batching window.
    visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * 6 + batchWindow.toSeconds()),
    deadLetterQueue: { queue: dlq, maxReceiveCount },
  });
  return { queue, dlq, consumerTimeout, maxReceiveCount, batchWindow };
}
