import { describe, expect, it } from 'vitest';
import { ingest } from '../../lambdas/core/ingest';
import { fromQueueMessage, toWebhookEvent } from '../../lambdas/core/event-message';
import { providers } from '../../lambdas/providers';
import { sampleDelivery } from '../../local/sample-deliveries';
import { devSecret } from '../../local/secrets';
import { MemoryQueue, MemorySecrets, RecordingTelemetry } from '../helpers/memory';

describe('sample deliveries (ops send, simulators)', () => {
  it.each(providers.filter((p) => p.webhook).map((p) => [p.name, p] as const))(
    '%s: a fresh sample is accepted and maps to at least one entity',
    async (_name, provider) => {
      const secret = devSecret(provider, provider.webhook!.secret);
      const url = `https://127.0.0.1/webhooks/${provider.name}`;
      const queue = new MemoryQueue();
      const deps = {
        registry: () => provider,
        secrets: new MemorySecrets({ [provider.name]: { [provider.webhook!.secret]: secret } }),
        queueFor: () => queue,
        telemetry: new RecordingTelemetry(),
        now: () => new Date(),
        newId: () => 'id',
      };
      const first = sampleDelivery(provider, secret, { url });
      const res = await ingest(
        { provider: provider.name, method: 'POST', headers: first.headers, rawBody: Buffer.from(first.body), url },
        deps,
      );
      expect(res.statusCode).toBe(200);
      const envelope = fromQueueMessage(queue.messages[0]!.body, queue.messages[0]!.attributes);
      expect(provider.webhook!.map(toWebhookEvent(envelope)).length).toBeGreaterThan(0);
      const second = sampleDelivery(provider, secret, { url });
      await ingest(
        { provider: provider.name, method: 'POST', headers: second.headers, rawBody: Buffer.from(second.body), url },
        deps,
      );
      expect(queue.messages[1]!.attributes.eventId).not.toBe(queue.messages[0]!.attributes.eventId);
    },
  );
});
