import type { SignatureScheme } from '../../lambdas/core/signatures';
import {
  SHOPIFY_HEADERS,
  SHOPIFY_ORDERS_CREATE_RAW,
  SLACK_MESSAGE_CHANGED,
  STANDARD_CONTACT_CREATED,
  STRIPE_SETUP_INTENT_CREATED,
  TRELLO_VOTE_ON_CARD,
} from '../documented-payloads';
import { sampleGithubIssue } from '../samples';
import type { Rng } from './random';

/** The providers whose webhooks the chaos run sends (every signature scheme the stack verifies but plain HMAC). */
export const WEBHOOK_PROVIDERS = ['github', 'slack', 'stripe', 'shopify', 'trello', 'standard'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/** Schemes that sign a timestamp: a stale one is refused, and so is a replay once the tolerance has passed. */
export const TIMESTAMPED: ReadonlySet<WebhookProvider> = new Set(['stripe', 'slack', 'standard']);

export const SCHEME: Record<WebhookProvider, SignatureScheme> = {
  github: 'github',
  slack: 'slack',
  stripe: 'stripe',
  shopify: 'shopify',
  trello: 'trello',
  standard: 'standard-webhooks',
};

/** One event a provider emits about one entity, at one version. */
export interface ChaosEvent {
  provider: WebhookProvider;
  eventId: string;
  /** The record it must end up in: `<provider>#<type>#<key>`. */
  type: string;
  key: string;
  /** Epoch ms, whole seconds (Stripe and GitHub version by the second). */
  version: number;
  /** Signed correctly but fails the provider's schema: accepted, then dead-lettered with its reason. */
  poison?: boolean;
  /** Bytes of padding: bodies above the queue's limit go through the claim check. */
  padBytes?: number;
}

/** The body and the provider's own headers (ids, topic), before signing. */
export interface UnsignedDelivery {
  body: string;
  headers: Record<string, string>;
}

const SHOP = SHOPIFY_HEADERS['x-shopify-shop-domain'];
const REPO = 'Codertocat/Hello-World';
const iso = (ms: number) => new Date(ms).toISOString();

/** The entity (record type and key) of the `index`-th entity of a provider, in each provider's own id format. */
export function entityOf(provider: WebhookProvider, index: number): { type: string; key: string } {
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  switch (provider) {
    case 'github':
      return { type: 'issue', key: `${REPO}#${index + 1}` };
    case 'stripe':
      return { type: 'setup_intent', key: `seti_1NG8Du2eZvKYlo2C${hex(index, 8)}` };
    case 'slack':
      return { type: 'message', key: `C123ABC456/${1_700_000_000 + index}.000100` };
    case 'shopify':
      return { type: 'order', key: `${SHOP}/8209829119461${String(index).padStart(5, '0')}` };
    case 'trello':
      return { type: 'card', key: `51a79e72dbb7e23c${hex(index, 8)}` };
    case 'standard':
      return { type: 'contact', key: `1f81eb52-5198-4599-803e-${hex(index, 12)}` };
  }
}

/** A new event id in the provider's format. */
export function newEventId(provider: WebhookProvider, rng: Rng): string {
  switch (provider) {
    case 'github':
    case 'shopify':
      return rng.uuid();
    case 'stripe':
      return `evt_${rng.hex(24)}`;
    case 'slack':
      return `Ev${rng.hex(10).toUpperCase()}`;
    case 'trello':
      return rng.hex(24);
    case 'standard':
      return `msg_${rng.hex(27)}`;
  }
}

const pad = (n: number | undefined) => (n ? 'x'.repeat(n) : undefined);

/**
 * The delivery a provider would send for an event, built on its documented example payload with the
 * event's ids and times; a poison event breaks exactly one field the provider's mapping requires.
 *
 * @example
 * const { body, headers } = webhookBody({ provider: 'stripe', eventId: 'evt_1', type: 'setup_intent', key: 'seti_1', version: 1735689600000 });
 */
export function webhookBody(e: ChaosEvent): UnsignedDelivery {
  const seconds = Math.floor(e.version / 1000);
  switch (e.provider) {
    case 'github': {
      const number = Number(e.key.slice(e.key.lastIndexOf('#') + 1));
      const sample = sampleGithubIssue({
        number,
        action: 'edited',
        updatedAt: iso(e.version).replace(/\.\d{3}Z$/, 'Z'),
        title: `Issue ${number} at ${seconds}`,
      });
      const issue = sample.issue as Record<string, unknown>;
      if (e.padBytes) issue.body = `${String(issue.body)} ${pad(e.padBytes)}`;
      if (e.poison) delete issue.updated_at;
      return { body: JSON.stringify(sample), headers: { 'x-github-event': 'issues', 'x-github-delivery': e.eventId } };
    }
    case 'stripe': {
      const object: Record<string, unknown> = {
        ...STRIPE_SETUP_INTENT_CREATED.data.object,
        id: e.key,
        description: pad(e.padBytes) ?? `at ${seconds}`,
      };
      if (e.poison) delete object.object;
      return {
        body: JSON.stringify({
          ...STRIPE_SETUP_INTENT_CREATED,
          id: e.eventId,
          type: 'setup_intent.updated',
          created: seconds,
          data: { object },
        }),
        headers: {},
      };
    }
    case 'slack': {
      const [channel, messageTs] = e.key.split('/') as [string, string];
      // "seconds.micros": the mapping reads event_ts to the microsecond.
      const ts = `${seconds}.${String(e.version % 1000).padStart(3, '0')}000`;
      const base = SLACK_MESSAGE_CHANGED.event;
      const event = {
        ...base,
        channel,
        ts,
        event_ts: ts,
        message: {
          ...base.message,
          ts: messageTs,
          text: pad(e.padBytes) ?? `edited at ${ts}`,
          edited: { user: base.message.edited.user, ts },
        },
      };
      return {
        body: JSON.stringify({
          ...SLACK_MESSAGE_CHANGED,
          event_id: e.eventId,
          event_time: e.poison ? 'yesterday' : seconds,
          event,
        }),
        headers: {},
      };
    }
    case 'shopify': {
      const id = e.key.slice(e.key.lastIndexOf('/') + 1);
      let raw = SHOPIFY_ORDERS_CREATE_RAW.replaceAll('820982911946154508', id).replace(
        '"updated_at":"2021-12-31T19:00:00-05:00"',
        `"updated_at":${e.poison ? 'null' : JSON.stringify(iso(e.version))}`,
      );
      if (e.padBytes) raw = raw.replace('"tags":"tag1, tag2"', `"tags":"tag1, tag2","note":"${pad(e.padBytes)}"`);
      return {
        body: raw,
        headers: {
          ...SHOPIFY_HEADERS,
          'x-shopify-topic': 'orders/updated',
          'x-shopify-webhook-id': e.eventId,
          'x-shopify-event-id': e.eventId,
          'x-shopify-triggered-at': iso(e.version),
        },
      };
    }
    case 'trello': {
      const action = TRELLO_VOTE_ON_CARD.action;
      const card = { ...action.data.card, id: e.key, ...(e.padBytes ? { desc: pad(e.padBytes) } : {}) };
      return {
        body: JSON.stringify({
          ...TRELLO_VOTE_ON_CARD,
          action: {
            ...action,
            id: e.eventId,
            date: e.poison ? 'not a date' : iso(e.version),
            data: { ...action.data, card },
          },
        }),
        headers: {},
      };
    }
    case 'standard': {
      const data = { ...STANDARD_CONTACT_CREATED.data, id: e.key, ...(e.padBytes ? { notes: pad(e.padBytes) } : {}) };
      return {
        body: JSON.stringify({ type: 'contact.updated', timestamp: e.poison ? 'soon' : iso(e.version), data }),
        headers: { 'webhook-id': e.eventId },
      };
    }
  }
}
