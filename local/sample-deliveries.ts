import { randomUUID } from 'node:crypto';
import type { ProviderDefinition } from '../lambdas/core/provider';
import {
  SHOPIFY_HEADERS,
  SHOPIFY_ORDERS_CREATE_RAW,
  SLACK_APP_MENTION,
  STANDARD_CONTACT_CREATED,
  STRIPE_SETUP_INTENT_CREATED,
  TRELLO_VOTE_ON_CARD,
} from './documented-payloads';
import { sampleGithubIssue } from './samples';
import { signAs, type SignedDelivery } from './sign';

/**
 * A fresh, correctly signed delivery for a provider, built on its documented example with new ids and
 * times, so each one is a new event: for `ops send`, simulators and the chaos run.
 *
 * @example
 * const { headers, body } = sampleDelivery(getProvider('stripe')!, secret, { url: `${stack.url}/webhooks/stripe` });
 */
export function sampleDelivery(
  provider: ProviderDefinition,
  secret: string,
  opts: { url: string; now?: Date },
): SignedDelivery {
  const webhook = provider.webhook;
  if (!webhook) throw new Error(`${provider.name} receives no webhooks`);
  const now = opts.now ?? new Date();
  const seconds = Math.floor(now.getTime() / 1000);
  const iso = now.toISOString();
  const id = randomUUID().replaceAll('-', '');
  const sign = (body: unknown, headers: Record<string, string> = {}) =>
    signAs(webhook.scheme, typeof body === 'string' ? body : JSON.stringify(body), secret, {
      now,
      url: opts.url,
      headers,
      hmac: webhook.hmac,
    });
  switch (webhook.scheme) {
    case 'github':
      return sign(sampleGithubIssue({ number: (seconds % 1000) + 1, updatedAt: iso.replace(/\.\d{3}Z$/, 'Z') }), {
        'x-github-event': 'issues',
      });
    case 'slack': {
      const ts = `${seconds}.${String(now.getMilliseconds()).padStart(3, '0')}000`;
      return sign({
        ...SLACK_APP_MENTION,
        event_id: `Ev${id.slice(0, 10).toUpperCase()}`,
        event_time: seconds,
        event: { ...SLACK_APP_MENTION.event, ts, event_ts: ts },
      });
    }
    case 'stripe':
      return sign({ ...STRIPE_SETUP_INTENT_CREATED, id: `evt_${id.slice(0, 24)}`, created: seconds });
    case 'shopify':
      return sign(SHOPIFY_ORDERS_CREATE_RAW.replaceAll('2021-12-31T19:00:00-05:00', iso), {
        ...SHOPIFY_HEADERS,
        'x-shopify-webhook-id': randomUUID(),
        'x-shopify-triggered-at': iso,
      });
    case 'trello':
      return sign({
        ...TRELLO_VOTE_ON_CARD,
        action: { ...TRELLO_VOTE_ON_CARD.action, id: id.slice(0, 24), date: iso },
      });
    case 'standard-webhooks':
      return sign({ ...STANDARD_CONTACT_CREATED, timestamp: iso }, { 'webhook-id': `msg_${id}` });
    default:
      throw new Error(`no sample delivery for ${provider.name} (${webhook.scheme})`);
  }
}
