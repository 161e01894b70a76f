import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE_IPS_SECRET } from '../../../lambdas/core/source-ips';
import { github, sampleGithubIssue } from '../../../lambdas/providers/github';
import { signAs } from '../../../local/sign';
import type { LocalStack } from '../../../local/stack';
import type { LogCapture } from '../../helpers/log-capture';
import { testStack, until } from '../../helpers/local-stack';

const JUNK_OUTSIDE = 1000;
const JUNK_INSIDE = 1000;
const REAL = 200;

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;

beforeAll(async () => {
  // A batch under the flood takes longer than the helper's short visibility timeout: AWS's default instead.
  ({ stack, logs, close } = await testStack({
    providers: [github],
    trustForwardedFor: true,
    visibilityTimeoutMs: 30_000,
  }));
  stack.secrets.put('github', SOURCE_IPS_SECRET, JSON.stringify({ ranges: ['140.82.112.0/20', '2a0a:a440::/29'] }));
});
afterAll(async () => close());

type Kind = 'junk outside the list' | 'forged inside the list' | 'real';

async function send(kind: Kind, n: number, secret: string): Promise<number> {
  const body = JSON.stringify(sampleGithubIssue({ number: n + 1, updatedAt: '2026-01-01T00:00:00Z' }));
  const headers: Record<string, string> =
    kind === 'real'
      ? signAs('github', body, secret, { headers: { 'x-github-event': 'issues', 'x-github-delivery': randomUUID() } })
          .headers
      : { 'x-github-event': 'issues', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` };
  const from = kind === 'junk outside the list' ? `203.0.113.${n % 250}` : `140.82.${112 + (n % 16)}.${n % 250}`;
  const res = await fetch(`${stack.url}/webhooks/github`, {
    method: 'POST',
    headers: { ...headers, 'x-forwarded-for': from },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('a flood of junk beside real deliveries on the local stack (#16 point 10)', () => {
  it(`refuses all ${JUNK_OUTSIDE + JUNK_INSIDE} junk requests and accepts and applies every one of ${REAL} real deliveries`, async () => {
    const secret = await stack.secrets.get('github', 'webhookSecret');
    // Interleaved: every eleventh request is real.
    const plan: { kind: Kind; n: number }[] = [];
    for (let i = 0; i < JUNK_OUTSIDE; i += 1) plan.push({ kind: 'junk outside the list', n: i });
    for (let i = 0; i < JUNK_INSIDE; i += 1) plan.push({ kind: 'forged inside the list', n: i });
    for (let i = 0; i < REAL; i += 1) plan.splice(i * 11, 0, { kind: 'real', n: i });
    const limit = pLimit(16);
    const statuses = await Promise.all(
      plan.map((p) => limit(async () => ({ ...p, status: await send(p.kind, p.n, secret) }))),
    );
    const tally: Record<string, number> = {};
    for (const s of statuses) tally[`${s.kind} ${s.status}`] = (tally[`${s.kind} ${s.status}`] ?? 0) + 1;
    expect(tally).toEqual({
      [`junk outside the list 403`]: JUNK_OUTSIDE,
      [`forged inside the list 401`]: JUNK_INSIDE,
      [`real 200`]: REAL,
    });
    expect(logs.metric('WebhooksSourceRefused', { provider: 'github', operation: 'webhook' })).toBe(JUNK_OUTSIDE);
    await stack.drained();
    await until(() => logs.logs('event processed').length === REAL || undefined, 'every real delivery applied');
    expect(
      stack.queues
        .github!.dlq.list()
        .map((m) => [m.attributes.failureKind, m.attributes.failureReason, m.attributes.receiveCount])
        .slice(0, 3),
    ).toEqual([]);
  });
});
