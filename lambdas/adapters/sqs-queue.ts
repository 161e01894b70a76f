import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueMessage, QueueSender } from '../core/ports';

/** Sends to one SQS queue; attributes become String message attributes. */
export class SqsQueueSender implements QueueSender {
  constructor(private readonly client: SQSClient, private readonly queueUrl: string) {}

  async send(message: QueueMessage): Promise<void> {
    await this.client.send(
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
