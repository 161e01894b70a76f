import * as z from 'zod/mini';
import { standardWebhookHeaders } from '../core/signatures/verify-standard-webhooks';
import { isoMs, parsePayload, pickIsoMs } from './payload';
import type { WebhookSamples } from './samples';
import type { EntityChange, ProviderDefinition, WebhookEvent } from '../core/provider';

// The spec's recommended payload: `{ type, timestamp, data }`, data possibly squashed into the top level.
const payload = z.looseObject({
  type: z.string(),
  timestamp: z.string(),
  data: z.optional(z.looseObject({ id: z.optional(z.union([z.string(), z.number()])) })),
  id: z.optional(z.union([z.string(), z.number()])),
});

/**
 * `contact.created` with `data.id` is the contact `data.id` as of `timestamp` (the event's time; the
 * `webhook-timestamp` header is the delivery attempt's and changes on retries). Events whose data has
 * no id are kept once each, by webhook-id.
 */
function mapStandard(provider: string) {
  return (event: WebhookEvent): EntityChange[] => {
    const p = parsePayload(provider, 'event', payload, event.body);
    const version = isoMs(provider, 'timestamp', p.timestamp);
    const data = p.data ?? p;
    if (data.id === undefined)
      return [{ type: `event:${p.type}`, key: event.eventId, version, data: { type: p.type } }];
    const entity = p.type.split('.')[0] || p.type;
    return [{ type: entity, key: String(data.id), version, data: { ...data, event_type: p.type } }];
  };
}

/**
 * A provider definition for any Standard Webhooks sender (standardwebhooks.com), Svix-signed ones (Clerk, Resend)
 * included: its secret is the `whsec_...` value the sender shows, its event id the `svix-id` or `webhook-id` header.
 *
 * @example
 * export const acme = standardWebhooks({ name: 'acme', displayName: 'Acme' });
 */
export function standardWebhooks(opts: {
  name: string;
  displayName: string;
  toleranceSeconds?: number;
}): ProviderDefinition {
  return {
    name: opts.name,
    displayName: opts.displayName,
    // A sender only: nothing is called back, so no API base URL or credentials.
    baseUrl: '',
    auth: { kind: 'none' },
    secrets: ['webhookSecret'],
    webhook: {
      scheme: 'standard-webhooks',
      secret: 'webhookSecret',
      toleranceSeconds: opts.toleranceSeconds,
      forwardHeaders: ['webhook-timestamp', 'svix-timestamp'],
      // The id of whichever header family signed it (svix-* first, as the svix library reads them).
      eventId: ({ headers }) => standardWebhookHeaders(headers).id,
      eventTime: ({ headers, body }) => {
        const seconds = Number(standardWebhookHeaders(headers).timestamp);
        return pickIsoMs(body, 'timestamp') ?? (Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined);
      },
      map: mapStandard(opts.name),
    },
  };
}

export const standard = standardWebhooks({ name: 'standard', displayName: 'Standard Webhooks sender' });

// Documented sample deliveries: for local tools and tests only (see samples.ts).

/** Standard Webhooks spec, the "full payload" example (spec/standard-webhooks.md, "Thin vs full payloads"). */
export const STANDARD_CONTACT_CREATED = {
  type: 'contact.created',
  timestamp: '2022-11-03T20:26:10.344522Z',
  data: {
    id: '1f81eb52-5198-4599-803e-771906343485',
    type: 'contact',
    fullName: 'John Smith',
    address: '800 W NASA Pkwy, Webster, TX 77598, USA',
    phoneNumber: '(281) 332-2575',
    birthday: '1980-04-19',
    occupation: 'Engineer, ACME',
  },
};

/** Standard Webhooks spec, the "example payload" (spec/standard-webhooks.md, "Payload structure"). */
export const STANDARD_EXAMPLE_EVENT = {
  type: 'example.event',
  timestamp: '2022-11-03T20:26:10.344522Z',
  data: { foo: 'bar', fizzbuzz: 2 },
};

/** Standard Webhooks spec, the example `webhook-id` (spec/standard-webhooks.md, "Webhook headers"). */
export const STANDARD_MESSAGE_ID = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** The spec's examples: the samples of every Standard Webhooks sender that documents no others. */
export const standardWebhooksSamples: WebhookSamples = {
  documented: ({ now, ids }) => ({
    body: JSON.stringify({ ...STANDARD_CONTACT_CREATED, timestamp: now.toISOString() }),
    headers: { 'webhook-id': `msg_${ids.hex(27)}` },
  }),
  entity: (index) => ({ type: 'contact', key: `1f81eb52-5198-4599-803e-${hex(index, 12)}` }),
  eventId: (ids) => `msg_${ids.hex(27)}`,
  // A `contact.updated` event: the contact as of `timestamp`.
  event: (e) => {
    const data = { ...STANDARD_CONTACT_CREATED.data, id: e.key, ...(e.text !== undefined ? { notes: e.text } : {}) };
    const timestamp = e.poison ? 'soon' : new Date(e.version).toISOString();
    return {
      body: JSON.stringify({ type: 'contact.updated', timestamp, data }),
      headers: { 'webhook-id': e.eventId },
    };
  },
};
