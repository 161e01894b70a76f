import type { SQSClient } from '@aws-sdk/client-sqs';
import type { QueueMessage, QueueSender } from '../core/ports';
import { clientFrom, lazy, type ClientSource } from './lazy';

// Imported on first use: the processor sends only to its DLQ, rarely (see lazy.ts).
const sdk = lazy(() => import('@aws-sdk/client-sqs'));

/**
 * Sends to one SQS queue; attributes become String message attributes.
 *
 * @example
 * const queue = new SqsQueueSender(new SQSClient({}), process.env.QUEUE_URL!);
 * const dlq = sqsSenderOnFirstSend(dlqUrl);
 * await queue.send({ body, attributes: { provider: 'github' } });
 */
export class SqsQueueSender implements QueueSender {
  private readonly client: () => Promise<SQSClient>;

  constructor(
    client: ClientSource<SQSClient>,
    private readonly queueUrl: string,
  ) {
    this.client = clientFrom(client);
  }

  async send(message: QueueMessage): Promise<void> {
    const [{ SendMessageCommand }, client] = await Promise.all([sdk(), this.client()]);
    await client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: message.body,
        MessageAttributes: Object.fromEntries(
          Object.entries(message.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      }),
    );
  }
}

/**
 * A sender whose SQS client is imported and built on its first send: for a queue a function rarely sends to (the
 * processor's DLQ). For a queue on the main path, `sqsSender` (sqs-sender.ts) builds it at init.
 *
 * @example
 * const dlq = sqsSenderOnFirstSend(process.env.DLQ_URL!);
 */
export function sqsSenderOnFirstSend(queueUrl: string): SqsQueueSender {
  return new SqsQueueSender(() => sdk().then(({ SQSClient }) => new SQSClient({})), queueUrl);
}
