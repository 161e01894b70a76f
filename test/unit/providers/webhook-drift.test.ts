import examples from '@octokit/webhooks-examples/api.github.com/index.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { processEvent } from '../../../lambdas/core/process-event';
import type { RecordStore } from '../../../lambdas/core/records';
import { collectDrift, RecentFields } from '../../../lambdas/core/schema-drift';
import { getProvider, providers } from '../../../lambdas/providers';
import { sampleDelivery } from '../../../local/sample-deliveries';
import { sampleGithubIssue } from '../../../lambdas/providers/github';
import { RecordingTelemetry } from '../../helpers/memory';
import { webhookEvent } from '../../helpers/webhook-event';

const records: RecordStore = { upsertIfNewer: async () => 'written', get: async () => undefined };
const envelope = (body: unknown, eventId: string) => ({
  provider: 'github',
  eventId,
  traceId: eventId,
  receivedAt: Date.now(),
  headers: { 'x-github-event': 'issues', 'content-type': 'application/json' },
  rawBody: JSON.stringify(body),
});

describe('schema drift in webhook payloads', () => {
  it("finds none in GitHub's published examples (octokit/webhooks) nor in any provider's documented sample", () => {
    for (const { name, examples: bodies } of examples as { name: string; examples: unknown[] }[]) {
      for (const body of bodies)
        expect(
          collectDrift(() =>
            getProvider('github')!.webhook!.map(webhookEvent('github', body, { headers: { 'x-github-event': name } })),
          ).drift,
          name,
        ).toEqual([]);
    }
    for (const p of providers.filter((d) => d.webhook)) {
      const { headers, body } = sampleDelivery(p, 'secret', { url: 'http://127.0.0.1/webhooks/x' });
      const mapped = collectDrift(() =>
        p.webhook!.map(webhookEvent(p.name, JSON.parse(body), { headers, rawBody: body })),
      );
      expect(mapped.drift, p.name).toEqual([]);
    }
  });

  it('counts an action GitHub does not document per event, and logs the field once per window', async () => {
    const telemetry = new RecordingTelemetry();
    let now = 1_000;
    const deps = { registry: getProvider, records, telemetry, now: () => now, driftLog: new RecentFields(60_000) };
    await processEvent(envelope(sampleGithubIssue({ action: 'archived' }), 'e1'), deps);
    now += 1_000;
    await processEvent(envelope(sampleGithubIssue({ action: 'archived' }), 'e2'), deps);
    await processEvent(envelope(sampleGithubIssue({ action: 'opened' }), 'e3'), deps);
    expect(telemetry.count('SchemaDrift', { provider: 'github', operation: 'webhook', field: 'issues.action' })).toBe(
      2,
    );
    const lines = telemetry.logs.filter((l) => l.message.startsWith('schema drift'));
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'schema drift: a value the schema does not list',
        fields: expect.objectContaining({
          provider: 'github',
          operation: 'webhook',
          event_id: 'e1',
          field: 'issues.action',
          drift: 'unknown_enum_value',
          value_type: 'string',
        }),
      },
    ]);
    expect(JSON.stringify(telemetry.logs)).not.toContain('archived');
  });
});
