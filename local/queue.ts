import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { SQS_MESSAGE_LIMIT } from '../lambdas/core/blob-layout';
import type { QueueMessage, QueueSender } from '../lambdas/core/ports';

export interface LocalQueueOptions {
  name: string;
  visibilityTimeoutMs: number;
  /** With a DLQ: a message received this many times moves there on its next receive, as SQS redrive does. */
  maxReceiveCount?: number;
  deadLetterQueue?: LocalQueue;
}

export interface StoredMessage {
  messageId: string;
  body: string;
  attributes: Record<string, string>;
  sentAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  visibleAt: number;
  receiptHandle?: string;
}

/**
 * SQS semantics in memory: visibility timeout, receive count, redrive to a DLQ after
 * maxReceiveCount, delete by receipt handle. Written here because no maintained npm package
 * offers an embeddable SQS with redrive; it implements only what the stack relies on.
 */
export class LocalQueue extends EventEmitter implements QueueSender {
  readonly arn: string;
  private readonly messages = new Map<string, StoredMessage>();
  private readonly now = Date.now;

  constructor(readonly opts: LocalQueueOptions) {
    super();
    this.arn = `arn:aws:sqs:local:000000000000:${opts.name}`;
  }

  get name(): string {
    return this.opts.name;
  }

  /** Refuses a message over SQS's limit (body, attribute names and values together), as SendMessage does. */
  async send(message: QueueMessage): Promise<void> {
    const attributes = message.attributes;
    const size =
      Buffer.byteLength(message.body) +
      Object.entries(attributes).reduce(
        (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v) + 'String'.length,
        0,
      );
    if (size > SQS_MESSAGE_LIMIT) {
      throw Object.assign(new Error(`Message must be shorter than ${SQS_MESSAGE_LIMIT} bytes (was ${size})`), {
        name: 'InvalidParameterValue',
      });
    }
    this.put({ body: message.body, attributes: { ...attributes } });
  }

  /** Adds a message as sent now; returns its id. */
  put(message: { body: string; attributes: Record<string, string>; sentAt?: number }): string {
    const messageId = randomUUID();
    const now = this.now();
    this.messages.set(messageId, {
      messageId,
      body: message.body,
      attributes: message.attributes,
      sentAt: message.sentAt ?? now,
      receiveCount: 0,
      visibleAt: now,
    });
    this.emit('message');
    return messageId;
  }

  /** Receives up to `max` visible messages and hides them for the visibility timeout. */
  receive(max: number): StoredMessage[] {
    const now = this.now();
    const out: StoredMessage[] = [];
    for (const m of this.messages.values()) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      const limit = this.opts.maxReceiveCount;
      if (limit !== undefined && this.opts.deadLetterQueue && m.receiveCount >= limit) {
        this.messages.delete(m.messageId);
        this.opts.deadLetterQueue.put({ body: m.body, attributes: m.attributes, sentAt: m.sentAt });
        continue;
      }
      m.receiveCount += 1;
      m.firstReceiveAt ??= now;
      m.visibleAt = now + this.opts.visibilityTimeoutMs;
      m.receiptHandle = randomUUID();
      out.push(m);
    }
    return out;
  }

  /** Hides a received message for `ms` from now, as SQS ChangeMessageVisibility does. */
  changeVisibility(receiptHandle: string, ms: number): boolean {
    for (const m of this.messages.values()) {
      if (m.receiptHandle !== receiptHandle) continue;
      m.visibleAt = this.now() + ms;
      return true;
    }
    return false;
  }

  delete(receiptHandle: string): boolean {
    for (const m of this.messages.values()) {
      if (m.receiptHandle === receiptHandle) return this.messages.delete(m.messageId);
    }
    return false;
  }

  /** Deletes every message, as SQS PurgeQueue does; returns how many. */
  purge(): number {
    const n = this.messages.size;
    this.messages.clear();
    return n;
  }

  /** Removes a message whatever its state (ops: redrive). */
  remove(messageId: string): boolean {
    return this.messages.delete(messageId);
  }

  /** When the next hidden message becomes visible, if any. */
  nextVisibleAt(): number | undefined {
    let next: number | undefined;
    for (const m of this.messages.values()) if (next === undefined || m.visibleAt < next) next = m.visibleAt;
    return next;
  }

  depth(): { visible: number; inFlight: number; total: number } {
    const now = this.now();
    let visible = 0;
    for (const m of this.messages.values()) if (m.visibleAt <= now) visible += 1;
    return { visible, inFlight: this.messages.size - visible, total: this.messages.size };
  }

  /** The age of the oldest message, as CloudWatch's ApproximateAgeOfOldestMessage. */
  oldestAgeMs(): number {
    let oldest: number | undefined;
    for (const m of this.messages.values()) if (oldest === undefined || m.sentAt < oldest) oldest = m.sentAt;
    return oldest === undefined ? 0 : this.now() - oldest;
  }

  list(): StoredMessage[] {
    return [...this.messages.values()].map((m) => ({ ...m, attributes: { ...m.attributes } }));
  }

  /** The record Lambda's SQS event source would deliver for this message. */
  toRecord(m: StoredMessage): SQSRecord {
    const messageAttributes: SQSMessageAttributes = {};
    for (const [name, value] of Object.entries(m.attributes)) {
      messageAttributes[name] = { stringValue: value, dataType: 'String', stringListValues: [], binaryListValues: [] };
    }
    return {
      messageId: m.messageId,
      receiptHandle: m.receiptHandle ?? '',
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? m.sentAt),
      },
      messageAttributes,
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: 'local',
    };
  }
}
