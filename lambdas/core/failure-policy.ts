import { describeError, IntegrationError, isPermanent } from './errors';
import { ATTR } from './event-message';
import type { QueueMessage, QueueSender } from './ports';

/** One receive of a queued message, as a consumer's failure policy sees it. */
export interface Delivery {
  body: string;
  /** Its string message attributes. */
  attributes: Record<string, string>;
  /** SQS's ApproximateReceiveCount: 1 on the first receive. */
  receiveCount: number;
}

/** What a consumer does with a failed message: acknowledge it (it is in the DLQ now) or rethrow for a redelivery. */
export type FailureStep = 'dead-lettered' | 'retry';

/**
 * Errors no retry can fix, because the same message fails the same way every time: a permanent IntegrationError; a
 * RangeError (a stack overflow on a deeply nested value, a string past V8's length limit); a request the database
 * refuses as invalid (DynamoDB's ValidationException: a key over 2,048 bytes, an item over 400 KB). By type and
 * name, never by message.
 *
 * @example
 * isUnfixable(new RangeError('Maximum call stack size exceeded')) // true
 */
export function isUnfixable(err: unknown): boolean {
  if (isPermanent(err) || err instanceof RangeError) return true;
  return err instanceof Error && err.name === 'ValidationException';
}

/** No retry can help (an unfixable error) or none is left (the queue's last receive). */
export function isFinalAttempt(err: unknown, receiveCount: number, maxReceiveCount: number): boolean {
  return isUnfixable(err) || receiveCount >= maxReceiveCount;
}

/** The DLQ's copy of a failed message: its body and attributes as received, plus why and after how many receives. */
export function deadLetterMessage(delivery: Delivery, err: unknown): QueueMessage {
  const { kind, message } = describeError(err);
  return {
    body: delivery.body,
    attributes: {
      ...delivery.attributes,
      [ATTR.failureKind]: kind,
      [ATTR.failureReason]: message.slice(0, 1000),
      [ATTR.receiveCount]: String(delivery.receiveCount),
    },
  };
}

/**
 * The failure policy of the stack's queue consumers (processor and writer): an unfixable error or the last receive
 * goes to the DLQ at once with its reason, so the consumer acknowledges it; anything else is retried: the consumer
 * rethrows and SQS redelivers it. Without a DLQ to send to, always retry (the queue's redrive policy moves it).
 *
 * @example
 * if ((await settleFailure(delivery, err, { dlq, maxReceiveCount: 5 })) === 'dead-lettered') return { deadLettered: true };
 * throw err;
 */
export async function settleFailure(
  delivery: Delivery,
  err: unknown,
  policy: { dlq?: QueueSender; maxReceiveCount: number },
): Promise<FailureStep> {
  if (!policy.dlq || !isFinalAttempt(err, delivery.receiveCount, policy.maxReceiveCount)) return 'retry';
  await policy.dlq.send(deadLetterMessage(delivery, err));
  return 'dead-lettered';
}

/** SQS hides a message at most 12 hours. */
const MAX_DELAY_SECONDS = 43_200;

/**
 * How long to hide a message that will be retried, when its error says when the provider (or our own rate limit)
 * has room again (`resumeAt`): that wait plus up to a fifth more, so the messages a limit turned away come back
 * spread out, not together. Undefined when the error names no time: the queue's visibility timeout applies.
 *
 * @example
 * retryDelaySeconds(new IntegrationError('retryable', 'rate limited', { resumeAt: now + 30_000 }), now) // 30 to 36
 */
export function retryDelaySeconds(err: unknown, now: number, random: () => number = Math.random): number | undefined {
  if (!(err instanceof IntegrationError) || err.resumeAt === undefined || err.resumeAt <= now) return undefined;
  const waitMs = err.resumeAt - now;
  return Math.min(MAX_DELAY_SECONDS, Math.ceil((waitMs * (1 + random() / 5)) / 1000));
}
