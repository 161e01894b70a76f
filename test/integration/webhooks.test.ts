import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR } from '../../lambdas/core/event-message';
import { github, sampleGithubIssue } from '../../lambdas/providers/github';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { signAs } from '../../local/sign';
import type { LocalStack } from '../../local/stack';
import type { LogCapture } from '../helpers/log-capture';
import { testStack, until } from '../helpers/local-stack';

// A provider whose processing fails on demand, to drive retries and the DLQ through the real path.
const flaky: ProviderDefinition = {
  ...github,
  name: 'flaky',
  webhook: {
    ...github.webhook!,
    map: (event) => {
      if ((event.body as { fail?: boolean }).fail) throw new Error('downstream unavailable');
      return github.webhook!.map(event);
    },
  },
};

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;
let secret: string;
// Every signature header sent, to look for in the logs.
const signatures: string[] = [];

beforeAll(async () => {
  ({ stack, logs, close } = await testStack({ providers: [github, flaky] }));
  secret = await stack.secrets.get('github', 'webhookSecret');
});
afterAll(async () => close());

async function deliver(provider: string, body: unknown, headers: Record<string, string> = {}, key?: string) {
  key ??= await stack.secrets.get(provider, 'webhookSecret');
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const signed = signAs('github', raw, key, { headers: { 'x-github-event': 'issues', ...headers } });
  signatures.push(signed.headers['x-hub-signature-256']!);
  const res = await fetch(`${stack.url}/webhooks/${provider}`, {
    method: 'POST',
    headers: signed.headers,
    body: signed.body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: signed.headers };
}

describe('webhooks through the local stack', () => {
  it('verifies, acknowledges with 200, queues, processes, and writes the record to DynamoDB', async () => {
    const payload = sampleGithubIssue({ number: 7, title: 'first', updatedAt: '2024-05-01T10:00:00Z' });
    const res = await deliver('github', payload);
    expect(res.status).toBe(200);
    const record = await until(() => stack.records.get('github', 'issue', 'Codertocat/Hello-World#7'), 'record');
    expect(record).toMatchObject({
      version: Date.parse('2024-05-01T10:00:00Z'),
      eventId: res.headers['x-github-delivery'],
    });
    expect(record.data.title).toBe('first');
  });

  it('processes the same delivery once, however often it arrives', async () => {
    const id = randomUUID();
    const payload = sampleGithubIssue({ number: 8, updatedAt: '2024-05-01T10:00:00Z' });
    const results = await Promise.all([1, 2, 3].map(() => deliver('github', payload, { 'x-github-delivery': id })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    await stack.drained();
    const processed = logs.logs('event processed').filter((l) => l.event_id === id);
    expect(processed.filter((l) => l.written === 1)).toHaveLength(1);
    expect(stack.queues.github!.dlq.list()).toHaveLength(0);
  });

  it('never lets an older event overwrite a newer one', async () => {
    await deliver('github', sampleGithubIssue({ number: 9, title: 'new', updatedAt: '2024-06-02T00:00:00Z' }));
    await stack.drained();
    await deliver('github', sampleGithubIssue({ number: 9, title: 'old', updatedAt: '2024-06-01T00:00:00Z' }));
    await stack.drained();
    expect((await stack.records.get('github', 'issue', 'Codertocat/Hello-World#9'))?.data.title).toBe('new');
    expect(logs.metric('StaleSkipped', { provider: 'github' })).toBeGreaterThanOrEqual(1);
  });

  it('rejects a forged webhook with 401 and queues nothing', async () => {
    const before = stack.queues.github!.queue.depth().total + logs.logs('webhook accepted').length;
    const res = await deliver('github', sampleGithubIssue({ number: 10 }), {}, 'not-the-secret');
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('signature_mismatch');
    expect(stack.queues.github!.queue.depth().total + logs.logs('webhook accepted').length).toBe(before);
    expect(logs.metric('SignatureRejected', { provider: 'github', reason: 'signature_mismatch' })).toBe(1);
  });

  it('answers 400 for a signed body that is not JSON, 404 for an unknown provider, 405 for GET', async () => {
    expect((await deliver('github', 'not json')).status).toBe(400);
    expect((await fetch(`${stack.url}/webhooks/nope`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${stack.url}/webhooks/github`)).status).toBe(405);
  });

  it('sends a payload no retry can fix to the DLQ at once, with its reason', async () => {
    const res = await deliver('github', { action: 'opened', repository: { id: 1, full_name: 'a/b' } });
    expect(res.status).toBe(200);
    const [dead] = await until(() => {
      const list = stack.queues.github!.dlq.list();
      return list.length > 0 ? list : undefined;
    }, 'dead letter');
    expect(dead!.attributes[ATTR.failureKind]).toBe('invalid_payload');
    expect(dead!.attributes[ATTR.failureReason]).toContain('issue');
    expect(dead!.attributes[ATTR.receiveCount]).toBe('1');
  });

  it('retries a failing event and moves it to the DLQ after 5 receives, with the failure reason logged', async () => {
    const res = await deliver('flaky', { fail: true });
    expect(res.status).toBe(200);
    const [dead] = await until(() => {
      const list = stack.queues.flaky!.dlq.list();
      return list.length > 0 ? list : undefined;
    }, 'dead letter');
    expect(dead!.attributes[ATTR.receiveCount]).toBe('5');
    expect(dead!.attributes[ATTR.failureReason]).toBe('downstream unavailable');
    const failures = logs.logs('event failed, will retry').filter((l) => l.event_id === res.body.eventId);
    expect(failures.map((l) => l.attempt)).toEqual([1, 2, 3, 4]);
    expect(failures.every((l) => l.error_message === 'downstream unavailable')).toBe(true);
    expect(logs.logs('event moved to DLQ').some((l) => l.event_id === res.body.eventId && l.attempt === 5)).toBe(true);
  });

  it('writes no secret or signature to any log line', async () => {
    expect(logs.lines.length).toBeGreaterThan(10);
    expect(signatures.length).toBeGreaterThan(5);
    const digests = signatures.map((s) => s.replace(/^sha256=/, ''));
    expect(logs.leaked([secret, 'not-the-secret', ...signatures, ...digests])).toEqual([]);
    expect(logs.lines.join('\n')).not.toMatch(/sha256=[0-9a-f]{64}/);
  });
});
