import * as z from 'zod/mini';
import { isoMs, parsePayload, pickIsoMs } from './payload';
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
 * A provider definition for any Standard Webhooks sender (standardwebhooks.com): its secret is the
 * `whsec_...` value the sender shows, its event id the `webhook-id` header.
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
      forwardHeaders: ['webhook-timestamp'],
      eventId: ({ headers }) => headers['webhook-id'],
      eventTime: ({ headers, body }) => {
        const seconds = Number(headers['webhook-timestamp']);
        return pickIsoMs(body, 'timestamp') ?? (Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined);
      },
      map: mapStandard(opts.name),
    },
  };
}

export const standard = standardWebhooks({ name: 'standard', displayName: 'Standard Webhooks sender' });
