import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsQueueSender } from './sqs-queue';

/**
 * A sender whose SQS client is built now, at init in Lambda: for a function whose main path sends (ingest, accept,
 * the writer). A module of its own, so a function that sends rarely (sqsSenderOnFirstSend) never loads the SDK
 * at cold start.
 *
 * @example
 * const queue = sqsSender(process.env.QUEUE_URL!);
 * await queue.send({ body, attributes: { provider: 'github' } });
 */
export function sqsSender(queueUrl: string): SqsQueueSender {
  return new SqsQueueSender(new SQSClient({}), queueUrl);
}
