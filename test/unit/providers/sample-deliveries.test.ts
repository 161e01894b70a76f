import examples from '@octokit/webhooks-examples/api.github.com/index.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { fromQueueMessage, toWebhookEvent } from '../../../lambdas/core/event-message';
import { ingest } from '../../../lambdas/core/ingest';
import { collectDrift } from '../../../lambdas/core/schema-drift';
import { providers, webhookSamples } from '../../../lambdas/providers';
import { sampleGithubIssue } from '../../../lambdas/providers/github';
import { standardWebhooks } from '../../../lambdas/providers/standard';
import type { ProviderDefinition } from '../../../lambdas/core/provider';
import { seeded } from '../../../local/chaos/random';
import { planWebhooks } from '../../../local/chaos/webhook-plan';
import { webhookBody, webhookSenders } from '../../../local/chaos/webhook-payloads';
import { sampleDelivery } from '../../../local/sample-deliveries';
import { devSecret } from '../../../local/secrets';
import { type SignedDelivery, signAs } from '../../../local/sign';
import { MemoryQueue, MemorySecrets, RecordingTelemetry } from '../../helpers/memory';
import { thrownKind } from '../../helpers/webhook-event';

// A provider written as one file would write it, and listed nowhere: everything below must work for it too.
const acme = standardWebhooks({ name: 'acme', displayName: 'Acme' });
const webhookProviders = [...providers.filter((p) => p.webhook), acme];
const url = (p: ProviderDefinition) => `https://127.0.0.1/webhooks/${p.name}`;

/** Through the ingest as the stack takes it, then the provider's mapping as the processor applies it. */
async function ingestAndMap(provider: ProviderDefinition, secret: string, delivery: SignedDelivery) {
  const queue = new MemoryQueue();
  const res = await ingest(
    {
      provider: provider.name,
      method: 'POST',
      headers: delivery.headers,
      rawBody: Buffer.from(delivery.body),
      url: url(provider),
    },
    {
      registry: () => provider,
      secrets: new MemorySecrets({ [provider.name]: { [provider.webhook!.secret]: secret } }),
      queueFor: () => queue,
      telemetry: new RecordingTelemetry(),
      now: () => new Date(),
      newId: () => 'id',
    },
  );
  expect(res.statusCode, res.body).toBe(200);
  const envelope = fromQueueMessage(queue.messages[0]!.body, queue.messages[0]!.attributes);
  return { eventId: envelope.eventId, map: () => provider.webhook!.map(toWebhookEvent(envelope)) };
}

describe('documented sample deliveries, beside each provider definition (ops send, the demo, chaos, load)', () => {
  it('every listed webhook provider exports its samples (or, a Standard Webhooks sender, uses the spec’s)', () => {
    for (const p of providers.filter((d) => d.webhook))
      expect(webhookSamples(p), `${p.name}: export its samples beside its definition`).toBeDefined();
    expect(webhookSenders(webhookProviders).map((s) => s.name)).toContain('acme');
  });

  it.each(webhookProviders.map((p) => [p.name, p] as const))(
    '%s: a fresh documented sample is accepted, maps to an entity without schema drift, and is a new event each time',
    async (_name, provider) => {
      const secret = devSecret(provider, provider.webhook!.secret);
      const first = await ingestAndMap(provider, secret, sampleDelivery(provider, secret, { url: url(provider) }));
      const mapped = collectDrift(first.map);
      expect(mapped.value.length).toBeGreaterThan(0);
      expect(mapped.drift).toEqual([]);
      const second = await ingestAndMap(provider, secret, sampleDelivery(provider, secret, { url: url(provider) }));
      expect(second.eventId).not.toBe(first.eventId);
    },
  );

  it.each(webhookSenders(webhookProviders).map((s) => [s.name, s] as const))(
    '%s: an event about an entity maps to that entity at its version; a poison one is an invalid payload',
    async (_name, sender) => {
      const provider = webhookProviders.find((p) => p.name === sender.name)!;
      const secret = devSecret(provider, sender.secret);
      const { type, key } = sender.samples.entity(41);
      const event = { provider: sender.name, eventId: sender.samples.eventId(seeded(1)), type, key };
      const sign = ({ body, headers }: { body: string; headers: Record<string, string> }) =>
        signAs(sender.scheme, body, secret, { url: url(provider), headers, hmac: sender.hmac });
      const version = Date.UTC(2025, 0, 1, 12);
      const valid = await ingestAndMap(
        provider,
        secret,
        sign(webhookBody(sender, { ...event, version, padBytes: 64 })),
      );
      expect(valid.eventId).toBe(event.eventId);
      expect(valid.map()).toEqual([expect.objectContaining({ type, key, version })]);
      const poison = await ingestAndMap(
        provider,
        secret,
        sign(webhookBody(sender, { ...event, version, poison: true })),
      );
      expect(thrownKind(poison.map)).toBe('invalid_payload');
    },
  );

  it('plans a chaos scenario over a provider listed nowhere', () => {
    const plan = planWebhooks(seeded(2).fork('webhooks'), {
      senders: webhookSenders(webhookProviders),
      events: 140,
      toleranceMs: 300_000,
      replayMarginMs: 20_000,
      oversized: 0,
    });
    expect([...plan.expected.values()].filter((r) => r.provider === 'acme').length).toBeGreaterThan(0);
  });

  it("GitHub's is the published issues.opened example (octokit/webhooks-examples), abridged", () => {
    const published = (examples as { name: string; examples: { action?: string }[] }[])
      .find((e) => e.name === 'issues')!
      .examples.find((e) => e.action === 'opened');
    expect(published).toMatchObject(sampleGithubIssue({ updatedAt: '2019-05-15T15:20:18Z' }));
  });
});
