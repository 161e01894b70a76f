import type { HmacOptions, SignatureScheme } from '../../lambdas/core/signatures';
import { webhookSamples } from '../../lambdas/providers';
import type { SampleEvent, UnsignedDelivery, WebhookSamples } from '../../lambdas/providers/samples';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { TIMESTAMPED_SCHEMES } from '../sign';

/** A provider whose webhooks the chaos run and the load send: how it signs, and its documented samples. */
export interface WebhookSender {
  name: string;
  scheme: SignatureScheme;
  hmac?: HmacOptions;
  /** The secret it signs with (its name in the provider's secrets). */
  secret: string;
  /** Signs a timestamp: a stale delivery is refused, and so is a replay once the tolerance has passed. */
  timestamped: boolean;
  samples: WebhookSamples;
}

/**
 * Every provider with webhooks and sample deliveries, as a sender.
 *
 * @example
 * const senders = webhookSenders(providers); // github, slack, stripe, shopify, trello, standard
 */
export function webhookSenders(definitions: readonly ProviderDefinition[]): WebhookSender[] {
  return definitions.flatMap((p) => {
    const samples = webhookSamples(p);
    if (!p.webhook || !samples) return [];
    const { scheme, hmac, secret } = p.webhook;
    return [{ name: p.name, scheme, hmac, secret, timestamped: TIMESTAMPED_SCHEMES.has(scheme), samples }];
  });
}

/** One event a provider emits about one entity, at one version. */
export interface ChaosEvent extends Omit<SampleEvent, 'text'> {
  provider: string;
  /** The record it must end up in: `<provider>#<type>#<key>`. */
  type: string;
  /** Bytes of padding: bodies above the queue's limit go through the claim check. */
  padBytes?: number;
}

/**
 * The delivery a provider would send for an event, built on its documented example payload with the
 * event's ids and times; a poison event breaks exactly one field the provider's mapping requires.
 *
 * @example
 * const { body, headers } = webhookBody(stripe, { provider: 'stripe', eventId: 'evt_1', type: 'setup_intent', key: 'seti_1', version: 1735689600000 });
 */
export function webhookBody(sender: WebhookSender, e: ChaosEvent): UnsignedDelivery {
  return sender.samples.event({ ...e, text: e.padBytes ? 'x'.repeat(e.padBytes) : undefined });
}
