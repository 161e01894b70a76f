// zod/mini: the same schemas, tree-shaken to a few KB instead of ~450 KB in every Lambda bundle.
import * as z from 'zod/mini';
import { parsePayload, pick, pickString } from './payload';
import type { WebhookSamples } from './samples';
import { stripeEvents } from './stripe-recover';
import { stripeWrites } from './stripe-writes';
import type { EntityChange, ProviderDefinition, WebhookEvent } from '../core/provider';

// The Event object's fields the mapping reads: https://docs.stripe.com/api/events/object
const stripeEvent = z.looseObject({
  id: z.string(),
  object: z.literal('event'),
  type: z.string(),
  created: z.number(),
  data: z.looseObject({ object: z.looseObject({ object: z.string(), id: z.optional(z.string()) }) }),
});

/**
 * A Stripe event is a snapshot of `data.object` at `created`: the entity is that object (type + id),
 * versioned by `created`, so the out-of-order delivery Stripe documents never rolls an object back.
 * `created` has one-second resolution: of two events about one object in the same second, the first
 * to arrive is kept (counted as a duplicate); fetch the object when its final state matters.
 */
function mapStripe(event: WebhookEvent): EntityChange[] {
  const e = parsePayload('stripe', 'event', stripeEvent, event.body);
  const version = e.created * 1000;
  const object = e.data.object;
  if (!object.id) {
    // Objects without an id (balance) have no entity to keep: the event itself is recorded once.
    return [{ type: `event:${e.type}`, key: e.id, version, data: { type: e.type, object: object.object } }];
  }
  const deleted = e.type.endsWith('.deleted') ? { deleted: true } : {};
  return [{ type: object.object, key: object.id, version, data: { ...object, ...deleted, event_type: e.type } }];
}

/**
 * Stripe's error body `{ error: { type, code, message } }`: the code, or the type when there is none
 * (`idempotency_error`).
 */
export const stripeErrorCode = (body: unknown): string | undefined =>
  pickString(body, 'error', 'code') ?? pickString(body, 'error', 'type');

export const stripe: ProviderDefinition = {
  name: 'stripe',
  displayName: 'Stripe',
  baseUrl: 'https://api.stripe.com/v1',
  apiVersion: { value: '2025-03-31.basil', in: 'header', header: 'Stripe-Version' },
  auth: { kind: 'bearer', secret: 'secretKey' },
  secrets: ['webhookSecret', 'secretKey'],
  // Stripe allows 100 read requests/s in live mode and 25 in test mode; stay under the lower one.
  rateLimit: { requestsPerSecond: 25 },
  // Writes: POSTs carry an idempotency key; 409 is a concurrent request with the same key, retried.
  idempotencyKeyHeader: 'Idempotency-Key',
  // Stripe's 429s name no time (rate limiter or lock_timeout) and it asks for exponential backoff with jitter: start at
  // 1 s.
  retry: { retryStatuses: [409], minRateLimitWaitMs: 1_000 },
  errorCode: stripeErrorCode,
  writes: process.env.BUNDLED_WRITES === 'no' ? undefined : stripeWrites,
  webhook: {
    scheme: 'stripe',
    secret: 'webhookSecret',
    eventId: ({ body }) => pickString(body, 'id'),
    // `WEBHOOKS`: the addresses webhooks come from; changes are announced 7 days ahead (docs.stripe.com/ips).
    publishedSourceIps: { url: 'https://stripe.com/files/ips/ips_webhooks.json', field: 'WEBHOOKS' },
    eventTime: ({ body }) => {
      const created = pick(body, 'created');
      return typeof created === 'number' && Number.isFinite(created) ? created * 1000 : undefined;
    },
    map: mapStripe,
  },
  recover: process.env.BUNDLED_RECOVER === 'no' ? undefined : [stripeEvents],
};

// Documented sample deliveries: for local tools and tests only (see samples.ts).

/** Stripe, "The Event object" example (docs.stripe.com/api/events/object). */
export const STRIPE_SETUP_INTENT_CREATED = {
  id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
  object: 'event',
  api_version: '2019-02-19',
  created: 1686089970,
  data: {
    object: {
      id: 'seti_1NG8Du2eZvKYlo2C9XMqbR0x',
      object: 'setup_intent',
      application: null,
      automatic_payment_methods: null,
      cancellation_reason: null,
      client_secret: 'seti_1NG8Du2eZvKYlo2C9XMqbR0x_secret_O2CdhLwGFh2Aej7bCY7qp8jlIuyR8DJ',
      created: 1686089970,
      customer: null,
      description: null,
      flow_directions: null,
      last_setup_error: null,
      latest_attempt: null,
      livemode: false,
      mandate: null,
      metadata: {},
      next_action: null,
      on_behalf_of: null,
      payment_method: 'pm_1NG8Du2eZvKYlo2CYzzldNr7',
      payment_method_options: {
        acss_debit: {
          currency: 'cad',
          mandate_options: {
            interval_description: 'First day of every month',
            payment_schedule: 'interval',
            transaction_type: 'personal',
          },
          verification_method: 'automatic',
        },
      },
      payment_method_types: ['acss_debit'],
      single_use_mandate: null,
      status: 'requires_confirmation',
      usage: 'off_session',
    },
  },
  livemode: false,
  pending_webhooks: 0,
  request: { id: null, idempotency_key: null },
  type: 'setup_intent.created',
};

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export const stripeSamples: WebhookSamples = {
  documented: ({ now, ids }) => ({
    body: JSON.stringify({
      ...STRIPE_SETUP_INTENT_CREATED,
      id: `evt_${ids.hex(24)}`,
      created: Math.floor(now.getTime() / 1000),
    }),
    headers: {},
  }),
  entity: (index) => ({ type: 'setup_intent', key: `seti_1NG8Du2eZvKYlo2C${hex(index, 8)}` }),
  eventId: (ids) => `evt_${ids.hex(24)}`,
  event: (e) => {
    const seconds = Math.floor(e.version / 1000);
    const object: Record<string, unknown> = {
      ...STRIPE_SETUP_INTENT_CREATED.data.object,
      id: e.key,
      description: e.text ?? `at ${seconds}`,
    };
    if (e.poison) delete object.object;
    const event = { ...STRIPE_SETUP_INTENT_CREATED, id: e.eventId, type: 'setup_intent.updated', created: seconds };
    return { body: JSON.stringify({ ...event, data: { object } }), headers: {} };
  },
};
