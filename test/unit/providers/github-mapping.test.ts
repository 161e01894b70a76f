import examples from '@octokit/webhooks-examples/api.github.com/index.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { IntegrationError } from '../../../lambdas/core/errors';
import { github } from '../../../lambdas/providers/github';
import type { WebhookEvent } from '../../../lambdas/core/provider';

const event = (name: string, body: unknown, eventId = 'delivery-1'): WebhookEvent => ({
  provider: 'github',
  eventId,
  receivedAt: 1_700_000_000_000,
  headers: { 'x-github-event': name },
  rawBody: JSON.stringify(body),
  body,
});

const byName = (name: string) =>
  (examples as { name: string; examples: Record<string, unknown>[] }[]).find((e) => e.name === name)!.examples;

describe('github mapping', () => {
  it("maps every one of GitHub's published example payloads (octokit/webhooks) to entities with finite versions", () => {
    let count = 0;
    for (const { name, examples: bodies } of examples as { name: string; examples: unknown[] }[]) {
      bodies.forEach((body, i) => {
        const changes = github.webhook!.map(event(name, body, `${name}-${i}`));
        expect(changes.length).toBeGreaterThan(0);
        for (const c of changes) expect(Number.isFinite(c.version)).toBe(true);
        count += 1;
      });
    }
    expect(count).toBeGreaterThan(300);
  });

  it('keys an issue by repository and number, versioned by updated_at', () => {
    const body = byName('issues')[0]!;
    const [change] = github.webhook!.map(event('issues', body));
    const issue = body.issue as { number: number; updated_at: string };
    expect(change).toMatchObject({
      type: 'issue',
      key: `${(body.repository as { full_name: string }).full_name}#${issue.number}`,
      version: Date.parse(issue.updated_at),
    });
  });

  it('keys a push by repository and ref, versioned by pushed_at', () => {
    const body = byName('push')[0]!;
    const [change] = github.webhook!.map(event('push', body));
    expect(change?.type).toBe('ref');
    expect(change?.key).toBe(`${(body.repository as { full_name: string }).full_name}#${body.ref as string}`);
  });

  it('keeps events without an entity once each, keyed by delivery', () => {
    const [change] = github.webhook!.map(event('star', byName('star')[0], 'delivery-42'));
    expect(change).toMatchObject({ type: 'event:star', key: 'delivery-42', version: 0 });
  });

  it('rejects a payload that lacks what its event documents, as invalid_payload', () => {
    try {
      github.webhook!.map(event('issues', { action: 'opened', repository: { id: 1, full_name: 'a/b' } }));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(IntegrationError);
      expect((err as IntegrationError).kind).toBe('invalid_payload');
      expect((err as Error).message).toContain('issue');
    }
  });

  it('takes the delivery id from X-GitHub-Delivery', () => {
    expect(
      github.webhook!.eventId({
        headers: { 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' },
        rawBody: '{}',
        body: {},
      }),
    ).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958');
  });
});
