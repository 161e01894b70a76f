import * as z from 'zod/mini';
import type { RecoverySpec } from '../core/provider';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const seconds = (ms: number) => Math.floor(ms / 1000);

// The Event object (docs.stripe.com/api/events/object): the fields recovery reads; the rest passes through.
const event = z.looseObject({ id: z.string(), object: z.literal('event'), type: z.string(), created: z.number() });
const list = z.looseObject({ object: z.literal('list'), has_more: z.boolean(), data: z.array(z.unknown()) });

/**
 * Stripe's own way to process undelivered events (docs.stripe.com/webhooks/process-undelivered-events): list the
 * events of each settled hour that are still pending or failed at an endpoint (`delivery_success=false`), newest
 * first, `starting_after` the last one, 100 a page, going back at most the 30 days Stripe lists. Each is the event
 * the webhook carries, with the same id, so the processor applies it once whichever arrives first. Its `data` is
 * rendered at the API version of its creation, not the endpoint's: the mapping reads only `id`, `type`, `created`
 * and `data.object`'s type and id, which every version has.
 */
export const stripeEvents: RecoverySpec<z.infer<typeof event>> = {
  name: 'events',
  description: 'events Stripe has not delivered (pending or failed), by creation hour',
  schedule: 'rate(1 hour)',
  request: (w) => ({
    path: '/events',
    query: { 'created[gte]': seconds(w.from), 'created[lt]': seconds(w.to), delivery_success: false, limit: 100 },
    operation: 'GET /v1/events',
  }),
  pagination: {
    style: 'cursor',
    cursorParam: 'starting_after',
    cursorPath: 'id',
    from: 'lastRecord',
    hasMorePath: 'has_more',
    recordsPath: 'data',
  },
  schema: { record: event, envelope: list },
  // Stripe retries live deliveries for up to 3 days: an hour of failures is a missed event worth applying now.
  window: { sizeMs: HOUR, start: '2024-01-01', firstRunBackMs: DAY, maxAgeMs: 30 * DAY, settleMs: HOUR },
  timeoutSeconds: 300,
  deliver: { kind: 'enqueue', event: (e) => ({ eventId: e.id, body: JSON.stringify(e), headers: {} }) },
  limits:
    'events older than 30 days; events created while the endpoint was disabled are listed too (delivery_success counts every endpoint of the account)',
};
