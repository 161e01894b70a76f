import { seeded } from '../chaos/random';
import { webhookBody, type WebhookSender } from '../chaos/webhook-payloads';
import { signAs } from '../sign';

export interface LoadDelivery {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * `count` distinct signed deliveries, the senders in turn, each a new event about its own entity
 * (so every one is processed and written), signed now: prepared before the load, so the load generator
 * spends no CPU on signing. Timestamped schemes allow 5 minutes, far more than a run.
 *
 * @example
 * const deliveries = loadDeliveries(webhookSenders(providers), secrets, 'https://127.0.0.1:3000', 12_000);
 */
export function loadDeliveries(
  senders: readonly WebhookSender[],
  secrets: Record<string, string>,
  publicUrl: string,
  count: number,
  seed = 1,
): LoadDelivery[] {
  const rng = seeded(seed);
  const now = new Date();
  return Array.from({ length: count }, (_, i) => {
    const sender = senders[i % senders.length]!;
    const { type, key } = sender.samples.entity(Math.floor(i / senders.length));
    const eventId = sender.samples.eventId(rng);
    const version = Date.UTC(2025, 0, 1) + i * 1000;
    const { body, headers } = webhookBody(sender, { provider: sender.name, eventId, type, key, version });
    const path = `/webhooks/${sender.name}`;
    const url = `${publicUrl}${path}`;
    return { path, ...signAs(sender.scheme, body, secrets[sender.name]!, { now, url, headers, hmac: sender.hmac }) };
  });
}
