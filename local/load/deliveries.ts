import { signAs } from '../sign';
import { seeded } from '../chaos/random';
import {
  entityOf,
  newEventId,
  SCHEME,
  webhookBody,
  WEBHOOK_PROVIDERS,
  type WebhookProvider,
} from '../chaos/webhook-payloads';

export interface LoadDelivery {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * `count` distinct signed deliveries, the six providers in turn, each a new event about its own entity
 * (so every one is processed and written), signed now: prepared before the load, so the load generator
 * spends no CPU on signing. Timestamped schemes allow 5 minutes, far more than a run.
 *
 * @example
 * const deliveries = loadDeliveries(secrets, 'https://127.0.0.1:3000', 12_000);
 */
export function loadDeliveries(
  secrets: Record<WebhookProvider, string>,
  publicUrl: string,
  count: number,
  seed = 1,
): LoadDelivery[] {
  const rng = seeded(seed);
  const now = new Date();
  return Array.from({ length: count }, (_, i) => {
    const provider = WEBHOOK_PROVIDERS[i % WEBHOOK_PROVIDERS.length]!;
    const { type, key } = entityOf(provider, Math.floor(i / WEBHOOK_PROVIDERS.length));
    const { body, headers } = webhookBody({
      provider,
      eventId: newEventId(provider, rng),
      type,
      key,
      version: Date.UTC(2025, 0, 1) + i * 1000,
    });
    const path = `/webhooks/${provider}`;
    return { path, ...signAs(SCHEME[provider], body, secrets[provider], { now, url: `${publicUrl}${path}`, headers }) };
  });
}
