import { describe, expect, it } from 'vitest';
import { archiveReceived, decodeArchive } from '../../lambdas/core/archive';
import { IntegrationError } from '../../lambdas/core/errors';
import { ATTR, toQueueMessage } from '../../lambdas/core/event-message';
import {
  deadLetterMessage,
  isFinalAttempt,
  retryDelaySeconds,
  settleFailure,
  type Delivery,
} from '../../lambdas/core/failure-policy';
import { commandIdempotencyKey, fromIdempotencyError, ownsOutcome } from '../../lambdas/core/writes/command-failure';
import { MemoryBlobs, MemoryQueue, RecordingTelemetry } from '../helpers/memory';

const delivery = (receiveCount: number): Delivery => ({
  body: '{"id":1}',
  attributes: { provider: 'github', eventId: 'd-1' },
  receiveCount,
});
const permanent = new IntegrationError('permanent', 'mapping rejected the payload');
const transient = new IntegrationError('retryable', 'records table throttled');

describe('failure policy of the queue consumers', () => {
  it('dead-letters a permanent error on its first receive, with the kind, reason and receive count', async () => {
    const dlq = new MemoryQueue();
    expect(await settleFailure(delivery(1), permanent, { dlq, maxReceiveCount: 5 })).toBe('dead-lettered');
    expect(dlq.messages).toEqual([
      {
        body: '{"id":1}',
        attributes: {
          provider: 'github',
          eventId: 'd-1',
          [ATTR.failureKind]: 'permanent',
          [ATTR.failureReason]: 'mapping rejected the payload',
          [ATTR.receiveCount]: '1',
        },
      },
    ]);
  });

  it('retries a transient error until the last receive, then dead-letters it', async () => {
    const dlq = new MemoryQueue();
    expect(await settleFailure(delivery(4), transient, { dlq, maxReceiveCount: 5 })).toBe('retry');
    expect(dlq.messages).toEqual([]);
    expect(await settleFailure(delivery(5), transient, { dlq, maxReceiveCount: 5 })).toBe('dead-lettered');
    expect(dlq.messages[0]?.attributes[ATTR.receiveCount]).toBe('5');
  });

  it('retries even a final failure when there is no DLQ to send to (the redrive policy moves it)', async () => {
    expect(isFinalAttempt(permanent, 1, 5)).toBe(true);
    expect(await settleFailure(delivery(1), permanent, { maxReceiveCount: 5 })).toBe('retry');
  });

  it('keeps a DLQ reason to 1000 characters', () => {
    const long = new IntegrationError('permanent', 'x'.repeat(5000));
    expect(deadLetterMessage(delivery(1), long).attributes[ATTR.failureReason]).toHaveLength(1000);
  });
});

describe('idempotency keys', () => {
  it('keys a command by provider and command id', () => {
    expect(commandIdempotencyKey({ provider: 'stripe', commandId: 'c-1' })).toBe('stripe#c-1');
  });

  it("reads Powertools' idempotency errors as the writer's: another input is permanent, a running twin retried", () => {
    const mismatch = fromIdempotencyError(Object.assign(new Error('x'), { name: 'IdempotencyValidationError' }), 'c');
    const running = fromIdempotencyError(
      Object.assign(new Error('x'), { name: 'IdempotencyAlreadyInProgressError' }),
      'c',
    );
    expect(mismatch).toMatchObject({ kind: 'permanent', details: { reason: 'input_mismatch' } });
    expect(running).toMatchObject({ kind: 'retryable', details: { reason: 'in_progress' } });
    expect([ownsOutcome(mismatch), ownsOutcome(running), ownsOutcome(transient)]).toEqual([false, false, true]);
    expect(fromIdempotencyError(transient, 'c')).toBe(transient);
  });
});

describe('archive step', () => {
  it('archives readable events but not replays, and counts them per provider', async () => {
    const blobs = new MemoryBlobs();
    const telemetry = new RecordingTelemetry();
    const event = { provider: 'github', eventId: 'd-1', traceId: 't', receivedAt: 0, headers: {}, rawBody: '{}' };
    await archiveReceived(
      [
        toQueueMessage(event),
        toQueueMessage({ ...event, eventId: 'd-2', replay: 'r-1' }),
        { body: 'unreadable', attributes: {} },
      ],
      { blobs, newId: () => 'id', telemetry },
    );
    const [key] = await blobs.list('archive/');
    expect((await decodeArchive(await blobs.get(key!))).map((e) => e.eventId)).toEqual(['d-1']);
    expect(telemetry.count('EventsArchived', { provider: 'github' })).toBe(1);
  });
});

describe('retryDelaySeconds', () => {
  const now = 1_000_000;
  it("hides a message until the error's resumeAt, plus up to a fifth to spread the returns, at most SQS's 12 hours", () => {
    const limited = (ms: number) => new IntegrationError('retryable', 'rate limited', { resumeAt: now + ms });
    expect(retryDelaySeconds(limited(30_000), now, () => 0)).toBe(30);
    expect(retryDelaySeconds(limited(30_000), now, () => 0.999)).toBe(36);
    expect(retryDelaySeconds(limited(86_400_000), now, () => 0)).toBe(43_200);
  });

  it('leaves the queue its visibility timeout when the error names no time, or one already past', () => {
    expect(retryDelaySeconds(new IntegrationError('retryable', 'x'), now)).toBeUndefined();
    expect(retryDelaySeconds(new IntegrationError('retryable', 'x', { resumeAt: now - 1 }), now)).toBeUndefined();
    expect(retryDelaySeconds(new Error('x'), now)).toBeUndefined();
  });
});
