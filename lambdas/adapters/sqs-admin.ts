import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter } from '../core/dead-letter-summary';
import type { QueueMessage } from '../core/ports';

export interface MoveTaskStatus {
  status: string;
  moved: number;
  toMove?: number;
  failureReason?: string;
}

/**
 * The SQS calls operators need (`npm run ops -- dlq | redrive | replay --aws`), one method per task.
 *
 * @example
 * const admin = new SqsAdmin(new SQSClient({}));
 * const { handle } = await admin.startMove(dlqArn, queueArn);
 */
export class SqsAdmin {
  constructor(private readonly client: SQSClient) {}

  async queueArn(queueUrl: string): Promise<string> {
    const res = await this.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const arn = res.Attributes?.QueueArn;
    if (!arn) throw new Error(`no QueueArn for ${queueUrl}`);
    return arn;
  }

  /** ApproximateNumberOfMessages: visible messages, as SQS estimates them. */
  async depth(queueUrl: string): Promise<number> {
    const res = await this.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(res.Attributes?.ApproximateNumberOfMessages ?? 0);
  }

  /**
   * Reads up to `limit` messages without consuming them. SQS has no "peek": messages are received
   * (hidden meanwhile, so each is seen once) and made visible again at once afterwards.
   */
  async peek(queueUrl: string, limit: number, hideSeconds = 30): Promise<DeadLetter[]> {
    const seen = new Map<string, DeadLetter>();
    const handles: { Id: string; ReceiptHandle: string }[] = [];
    try {
      while (seen.size < limit) {
        const res = await this.client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, limit - seen.size),
            VisibilityTimeout: hideSeconds,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          }),
        );
        const messages = res.Messages ?? [];
        if (messages.length === 0) break;
        for (const m of messages) {
          if (!m.MessageId || !m.ReceiptHandle) continue;
          handles.push({ Id: String(handles.length), ReceiptHandle: m.ReceiptHandle });
          seen.set(m.MessageId, {
            messageId: m.MessageId,
            sentAt: Number(m.Attributes?.SentTimestamp ?? 0),
            attributes: Object.fromEntries(
              Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']),
            ),
            bodyBytes: Buffer.byteLength(m.Body ?? ''),
            body: m.Body ?? '',
          });
        }
      }
    } finally {
      for (let i = 0; i < handles.length; i += 10) {
        const entries = handles.slice(i, i + 10).map((h) => ({ ...h, VisibilityTimeout: 0 }));
        await this.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      }
    }
    return [...seen.values()];
  }

  /**
   * Takes the named messages out of a queue (received, hidden meanwhile), hands them to `use` in the order named,
   * then deletes those `use` kept and makes every other one visible again. Returns how many it deleted.
   */
  async take(
    queueUrl: string,
    messageIds: readonly string[],
    use: (messages: QueueMessage[]) => Promise<void>,
    hideSeconds = 60,
  ): Promise<number> {
    const wanted = new Set(messageIds);
    const found = new Map<string, { handle: string; message: QueueMessage }>();
    const others: string[] = [];
    try {
      while (found.size < wanted.size) {
        const res = await this.client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: hideSeconds,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ['All'],
          }),
        );
        const messages = res.Messages ?? [];
        if (messages.length === 0) break;
        for (const m of messages) {
          if (!m.MessageId || !m.ReceiptHandle) continue;
          if (!wanted.has(m.MessageId) || found.has(m.MessageId)) {
            others.push(m.ReceiptHandle);
            continue;
          }
          const attributes = Object.fromEntries(
            Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']),
          );
          found.set(m.MessageId, { handle: m.ReceiptHandle, message: { body: m.Body ?? '', attributes } });
        }
      }
      const ordered = messageIds.map((id) => found.get(id)).filter((f) => f !== undefined);
      await use(ordered.map((f) => f.message));
      for (let i = 0; i < ordered.length; i += 10) {
        const entries = ordered.slice(i, i + 10).map((f, n) => ({ Id: String(n), ReceiptHandle: f.handle }));
        await this.client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      }
      return ordered.length;
    } catch (err) {
      others.push(...[...found.values()].map((f) => f.handle));
      throw err;
    } finally {
      await this.release(queueUrl, others);
    }
  }

  /** Makes received messages visible again at once. */
  private async release(queueUrl: string, handles: readonly string[]): Promise<void> {
    for (let i = 0; i < handles.length; i += 10) {
      const entries = handles
        .slice(i, i + 10)
        .map((h, n) => ({ Id: String(n), ReceiptHandle: h, VisibilityTimeout: 0 }));
      await this.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
  }

  /** Starts moving every message of a DLQ to `destinationArn` (SQS StartMessageMoveTask). */
  async startMove(sourceArn: string, destinationArn: string): Promise<{ handle: string }> {
    const res = await this.client.send(
      new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }),
    );
    return { handle: res.TaskHandle ?? '' };
  }

  /** The most recent move task of a DLQ. */
  async moveStatus(sourceArn: string): Promise<MoveTaskStatus | undefined> {
    const res = await this.client.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
    const t = res.Results?.[0];
    if (!t) return undefined;
    return {
      status: t.Status ?? 'UNKNOWN',
      moved: t.ApproximateNumberOfMessagesMoved ?? 0,
      toMove: t.ApproximateNumberOfMessagesToMove,
      failureReason: t.FailureReason,
    };
  }

  /** Sends up to 10 messages in one call; throws naming the entries SQS refused. */
  async sendBatch(queueUrl: string, messages: QueueMessage[]): Promise<void> {
    const res = await this.client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({
          Id: String(i),
          MessageBody: m.body,
          MessageAttributes: Object.fromEntries(
            Object.entries(m.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        })),
      }),
    );
    if (res.Failed && res.Failed.length > 0)
      throw new Error(`SQS refused ${res.Failed.length} message(s): ${res.Failed.map((f) => f.Code).join(', ')}`);
  }
}
