import type { SQSRecord } from 'aws-lambda';
import { describeError } from '../core/errors';
import { ATTR } from '../core/event-message';
import type { QueueSender } from '../core/ports';

/** A record's string message attributes (SQS hands binary ones too; the stack sets none). */
export function messageAttributes(record: SQSRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record.messageAttributes ?? {}))
    if (typeof v.stringValue === 'string') out[k] = v.stringValue;
  return out;
}

/**
 * Sends a record to the DLQ with its body and attributes plus why it failed (kind, reason, receive
 * count); false when the handler has no DLQ to send to.
 *
 * @example
 * if (lastReceive && (await deadLetter(deps.dlq, record, err, receiveCount))) return { deadLettered: true };
 */
export async function deadLetter(
  dlq: QueueSender | undefined,
  record: SQSRecord,
  err: unknown,
  receiveCount: number,
): Promise<boolean> {
  if (!dlq) return false;
  const { kind, message } = describeError(err);
  await dlq.send({
    body: record.body,
    attributes: {
      ...messageAttributes(record),
      [ATTR.failureKind]: kind,
      [ATTR.failureReason]: message.slice(0, 1000),
      [ATTR.receiveCount]: String(receiveCount),
    },
  });
  return true;
}
