import type { QueueMessage, QueueSender, RetryDelay } from '../core/ports';
import { type AwsEndpointConfig, awsJsonClient, SQS } from './aws-json';

/**
 * A sender for a queue (ingest, accept, the writer, every DLQ), calling SendMessage through aws-json.ts instead of
 * `@aws-sdk/client-sqs`, whose module scope was most of these functions' cold start.
 *
 * @example
 * const queue = sqsSender(process.env.QUEUE_URL!);
 * await queue.send({ body, attributes: { provider: 'github' } });
 */
export function sqsSender(queueUrl: string, config: AwsEndpointConfig = {}): QueueSender {
  const call = awsJsonClient(SQS, config);
  return {
    async send(message: QueueMessage): Promise<void> {
      await call('SendMessage', {
        QueueUrl: queueUrl,
        MessageBody: message.body,
        MessageAttributes: Object.fromEntries(
          Object.entries(message.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      });
    },
  };
}

/**
 * ChangeMessageVisibility on the queue a function consumes, through aws-json.ts: a failed message comes back when its
 * delay has passed instead of after the queue's visibility timeout.
 *
 * @example
 * await sqsRetryDelay(process.env.QUEUE_URL!).delay(record.receiptHandle, 30);
 */
export function sqsRetryDelay(queueUrl: string, config: AwsEndpointConfig = {}): RetryDelay {
  const call = awsJsonClient(SQS, config);
  return {
    async delay(receiptHandle: string, seconds: number): Promise<void> {
      await call('ChangeMessageVisibility', {
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      });
    },
  };
}
