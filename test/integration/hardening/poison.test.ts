import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedKey, MAX_RECORD_TYPE_BYTES } from '../../../lambdas/core/bounded-key';
import { ATTR, toQueueMessage } from '../../../lambdas/core/event-message';
import { settleFailure } from '../../../lambdas/core/failure-policy';
import { github, sampleGithubIssue } from '../../../lambdas/providers/github';
import { signAs } from '../../../local/sign';
import type { LocalStack } from '../../../local/stack';
import { testStack, until } from '../../helpers/local-stack';

let stack: LocalStack;
let close: () => Promise<void>;
let secret: string;

beforeAll(async () => {
  ({ stack, close } = await testStack({ providers: [github], maxReceiveCount: 5 }));
  secret = await stack.secrets.get('github', 'webhookSecret');
});
afterAll(async () => close());

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/** GitHub's `issues` example with `extra` nesting `depth` arrays inside the issue (so the mapping stores it). */
const deepIssue = (depth: number) => {
  const text = JSON.stringify(sampleGithubIssue({ number: 7 }));
  return text.replace('"state":"open"', `"state":"open","extra":${nested(depth)}`);
};

async function deliver(body: string, headers: Record<string, string>) {
  const signed = signAs('github', body, secret, { headers });
  const res = await fetch(`${stack.url}/webhooks/github`, { method: 'POST', headers: signed.headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Puts a message straight on the queue, as one queued before this release or re-enqueued by a replay would be. */
function enqueueRaw(eventId: string, rawBody: string, event = 'issues') {
  stack.queues.github!.queue.put(
    toQueueMessage({
      provider: 'github',
      eventId,
      traceId: eventId,
      receivedAt: Date.now(),
      headers: { 'x-github-event': event },
      rawBody,
    }),
  );
}

const deadLetteredIds = () => stack.queues.github!.dlq.list().map((m) => m.attributes[ATTR.eventId]);
const deadLettered = (eventId: string) =>
  until(() => stack.queues.github!.dlq.list().find((m) => m.attributes[ATTR.eventId] === eventId), eventId);

describe('poison that no retry can fix fails fast (#16 point 2)', () => {
  it('answers 400 with a reason for a signed body nesting 100,000 arrays deep, queueing nothing', async () => {
    const res = await deliver(deepIssue(100_000), { 'x-github-event': 'issues', 'x-github-delivery': 'deep-1' });
    expect(res).toEqual({ status: 400, body: { error: 'malformed_payload', reason: 'nesting_too_deep' } });
    expect(stack.queues.github!.queue.depth().total).toBe(0);
  });

  it('still accepts real payloads nested a few levels', async () => {
    const res = await deliver(deepIssue(20), { 'x-github-event': 'issues', 'x-github-delivery': 'shallow-1' });
    expect(res.status).toBe(200);
  });

  it('dead-letters an already queued deep body on its first receive, with the reason', async () => {
    enqueueRaw('queued-deep', deepIssue(100_000));
    const m = await deadLettered('queued-deep');
    expect(m.attributes[ATTR.receiveCount]).toBe('1');
    expect(m.attributes[ATTR.failureKind]).toBe('invalid_payload');
    expect(m.attributes[ATTR.failureReason]).toBe('JSON nests deeper than 128 levels');
  });

  it('classes a DynamoDB ValidationException (a key over 2,048 bytes, on dynalite) as unfixable: DLQ at once', async () => {
    const change = { type: 'issue', key: 'k'.repeat(3000), version: 1, data: {} };
    const meta = { eventId: 'e', receivedAt: 0, now: 0 };
    const err = await stack.records.upsertIfNewer('github', change, meta).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe('ValidationException');
    const dlq = stack.queues.github!.dlq;
    const before = dlq.list().length;
    const delivery = { body: '{}', attributes: { eventId: 'validation' }, receiveCount: 1 };
    expect(await settleFailure(delivery, err, { dlq, maxReceiveCount: 5 })).toBe('dead-lettered');
    expect(dlq.list()[before]?.attributes[ATTR.failureKind]).toBe('ValidationException');
    dlq.remove(dlq.list()[before]!.messageId);
  });

  it('hashes a 3,000-character x-github-delivery into the key: processed once, and dedupe stays exact', async () => {
    const id = `${'d'.repeat(2999)}1`;
    const other = `${'d'.repeat(2999)}2`;
    const body = JSON.stringify({ action: 'created', sender: { login: 'octocat' } });
    const first = await deliver(body, { 'x-github-event': 'star', 'x-github-delivery': id });
    expect(first.status).toBe(200);
    expect(String(first.body.eventId)).toMatch(/^d{32}~sha256:[0-9a-f]{64}$/);
    expect((await deliver(body, { 'x-github-event': 'star', 'x-github-delivery': id })).body.eventId).toBe(
      first.body.eventId,
    );
    const second = await deliver(body, { 'x-github-event': 'star', 'x-github-delivery': other });
    expect(second.body.eventId).not.toBe(first.body.eventId);
    await stack.drained();
    const stored = await until(async () => {
      const a = await stack.records.get('github', 'event:star', String(first.body.eventId));
      const b = await stack.records.get('github', 'event:star', String(second.body.eventId));
      return a && b ? [a, b] : undefined;
    }, 'both star records');
    expect(stored.map((r) => r.pk.length)).toEqual([stored[0]!.pk.length, stored[0]!.pk.length]);
    expect(deadLetteredIds()).toEqual(['queued-deep']); // the poison above, nothing else
  });

  it('bounds an unsigned x-github-event of 3,000 characters in the record type too', async () => {
    const name = 'e'.repeat(3000);
    const body = JSON.stringify({ action: 'created' });
    const res = await deliver(body, { 'x-github-event': name, 'x-github-delivery': 'long-event-name' });
    expect(res.status).toBe(200);
    await stack.drained();
    const type = boundedKey(`event:${name}`, MAX_RECORD_TYPE_BYTES);
    const record = await until(() => stack.records.get('github', type, 'long-event-name'), 'record');
    expect(Buffer.byteLength(record.pk)).toBeLessThan(2048);
    expect(deadLetteredIds()).toEqual(['queued-deep']);
  });
});
