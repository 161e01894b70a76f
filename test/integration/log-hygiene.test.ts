import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR } from '../../lambdas/core/event-message';
import { github, sampleGithubIssue } from '../../lambdas/providers/github';
import { postDelivery, signAs } from '../../local/sign';
import type { LocalStack } from '../../local/stack';
import type { LogCapture } from '../helpers/log-capture';
import { testStack, until } from '../helpers/local-stack';

// Known values: the test scans every captured line for each of them.
const NEW_SECRET = `known-new-webhook-secret-${randomUUID()}`;
const OLD_SECRET = `known-old-webhook-secret-${randomUUID()}`;
const TOKEN = `ghp_knownTokenValue${randomUUID().replace(/-/g, '')}`;
const CANARY = `CANARY-PAYLOAD-${randomUUID()}`;

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;
const signatures: string[] = [];
const deliveries: Record<string, string> = {};

async function deliver(
  name: string,
  body: string,
  secret: string,
  headers: Record<string, string> = {},
): Promise<number> {
  const signed = signAs('github', body, secret, { headers: { 'x-github-event': 'issues', ...headers } });
  signatures.push(signed.headers['x-hub-signature-256']!.slice('sha256='.length));
  deliveries[name] = signed.headers['x-github-delivery']!;
  return postDelivery(stack.url, 'github', signed);
}

beforeAll(async () => {
  ({ stack, logs, close } = await testStack({
    providers: [github],
    secrets: { github: { webhookSecret: JSON.stringify([NEW_SECRET, OLD_SECRET]), token: TOKEN } },
  }));
  const issue = (n: number) => JSON.stringify(sampleGithubIssue({ number: n, title: CANARY }));
  // The webhook suites' traffic: accepted (both rotated secrets), forged, unsigned, malformed, poison.
  expect(await deliver('new', issue(1), NEW_SECRET)).toBe(200);
  expect(await deliver('old', issue(2), OLD_SECRET)).toBe(200);
  expect(await deliver('forged', issue(3), `attacker-${randomUUID()}`)).toBe(401);
  const unsigned = await fetch(`${stack.url}/webhooks/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: issue(4),
  });
  expect(unsigned.status).toBe(401);
  expect(await deliver('malformed', `not json ${CANARY}`, NEW_SECRET)).toBe(400);
  expect(
    await deliver('poison', JSON.stringify({ action: 'opened', repository: { id: 1, full_name: CANARY } }), NEW_SECRET),
  ).toBe(200);
  await until(() => stack.queues.github!.dlq.list().length > 0 || undefined, 'poison in the DLQ');
  await stack.drained();
});
afterAll(async () => close());

describe('logs', () => {
  it('never contain a secret, a token, a signature or a payload', () => {
    expect(logs.lines.length).toBeGreaterThan(10);
    expect(logs.leaked([NEW_SECRET, OLD_SECRET, TOKEN, ...signatures, CANARY])).toEqual([]);
  });

  it('are Powertools JSON lines with level, message, service and timestamp', () => {
    const entries = logs.logs();
    expect(entries.length).toBeGreaterThan(5);
    for (const e of entries) {
      expect(e).toMatchObject({
        level: expect.any(String),
        message: expect.any(String),
        service: expect.any(String),
        timestamp: expect.any(String),
      });
    }
  });

  it('name the provider and a trace id on every line about a delivery', () => {
    const about = logs.logs().filter((e) => e.service === 'webhook-ingest' || e.service === 'event-processor');
    expect(about.length).toBeGreaterThan(5);
    for (const e of about) {
      expect(e.provider, JSON.stringify(e)).toBe('github');
      expect(e.trace_id, JSON.stringify(e)).toEqual(expect.any(String));
    }
  });

  it('follow one trace id from the delivery id through the queue to the processor and the DLQ', () => {
    for (const name of ['new', 'old']) {
      const id = deliveries[name]!;
      expect(logs.logs('webhook accepted').filter((e) => e.trace_id === id)).toHaveLength(1);
      expect(logs.logs('event processed').filter((e) => e.trace_id === id && e.event_id === id)).toHaveLength(1);
    }
    const poison = deliveries.poison!;
    const [dead] = stack.queues.github!.dlq.list();
    expect(dead!.attributes[ATTR.traceId]).toBe(poison);
    expect(logs.logs('event moved to DLQ').filter((e) => e.trace_id === poison)).toHaveLength(1);
  });
});
