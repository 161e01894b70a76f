import { randomBytes } from 'node:crypto';
import type { SimRequest, SimResponse } from './base';
import { RETRY_SCHEDULES, WebhookSender } from './sender';
import type { Timeline } from './timeline';

/** The Event object: https://docs.stripe.com/api/events/object */
export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string | null;
  created: number;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

/** What became of an event's webhook: no endpoint, still being retried, delivered, or given up on. */
export type EventDelivery = 'none' | 'pending' | 'succeeded' | 'failed';

const DAY_S = 86_400;
/** "List events, going back up to 30 days" (docs.stripe.com/api/events/list). */
export const STRIPE_EVENT_RETENTION_DAYS = 30;

const invalid = (param: string, message: string): SimResponse => ({
  status: 400,
  body: { error: { type: 'invalid_request_error', code: 'parameter_invalid', param, message } },
});

interface Bounds {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

/** `created=N` or `created[gt|gte|lt|lte]=N` (unix seconds); a string when a value is not an integer. */
function createdBounds(q: URLSearchParams): Bounds | string {
  const bounds: Bounds = {};
  const exact = q.get('created');
  const read = (v: string | null) => (v === null ? undefined : /^\d+$/.test(v) ? Number(v) : Number.NaN);
  if (exact !== null) bounds.gte = bounds.lte = read(exact);
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    const v = read(q.get(`created[${op}]`));
    if (v !== undefined) bounds[op] = v;
  }
  return Object.values(bounds).some((v) => Number.isNaN(v)) ? 'created' : bounds;
}

const inBounds = (t: number, b: Bounds) =>
  (b.gt === undefined || t > b.gt) &&
  (b.gte === undefined || t >= b.gte) &&
  (b.lt === undefined || t < b.lt) &&
  (b.lte === undefined || t <= b.lte);

/** `type` (exact, or a `customer.*` group) or up to 20 exact `types[]`, never both. */
function typeFilter(q: URLSearchParams): ((type: string) => boolean) | SimResponse {
  const one = q.get('type');
  const many = q.getAll('types[]');
  if (one !== null && many.length > 0) return invalid('types', 'You may pass either type or types, but not both.');
  if (many.length > 20) return invalid('types', 'types may contain at most 20 event types.');
  if (many.length > 0) return (t) => many.includes(t);
  if (one === null) return () => true;
  return one.endsWith('.*') ? (t) => t.startsWith(one.slice(0, -1)) : (t) => t === one;
}

/**
 * Stripe's events log (docs.stripe.com/api/events/list): every event of the last 30 days, newest first, with
 * `created` bounds, `type`/`types[]`, `delivery_success` (false: still pending or failed at an endpoint),
 * `starting_after`/`ending_before` cursors and `limit` (1-100, default 10); and the webhook sender that delivers each
 * event to the endpoint, retrying on Stripe's schedule (up to 3 days), and remembers how that went.
 *
 * @example
 * const log = new StripeEvents(timeline);
 * log.emit(event); // delivered to log.sender.target, if set
 * const page = log.list(req); // GET /v1/events
 */
export class StripeEvents {
  readonly events: StripeEvent[] = [];
  readonly delivery = new Map<string, EventDelivery>();
  readonly sender: WebhookSender;

  constructor(private readonly timeline: Timeline) {
    this.sender = new WebhookSender(timeline, RETRY_SCHEDULES.stripe);
  }

  /**
   * Records an event Stripe created and, by `delivery`: sends it to the endpoint (`send`, the default when one is
   * set), records it as failed at the endpoint without sending (`failed`: our endpoint was down), or neither (`none`).
   */
  emit(event: StripeEvent, delivery: 'send' | 'failed' | 'none' = this.sender.target ? 'send' : 'none'): StripeEvent {
    this.events.push(event);
    const state = delivery === 'send' ? 'pending' : delivery;
    this.delivery.set(event.id, state);
    event.pending_webhooks = state === 'none' ? 0 : 1;
    if (delivery !== 'send') return event;
    this.sender.deliver(
      { id: event.id, body: JSON.stringify(event), headers: {} },
      {
        onAttempt: (a) => {
          if (!a.ok) return;
          this.delivery.set(event.id, 'succeeded');
          event.pending_webhooks = 0;
        },
        onGiveUp: () => this.delivery.set(event.id, 'failed'),
      },
    );
    return event;
  }

  /** A new event about `object`, as Stripe makes one (the API version pinned by the stack). */
  create(type: string, object: Record<string, unknown>): StripeEvent {
    return {
      id: `evt_${randomBytes(12).toString('hex')}`,
      object: 'event',
      api_version: '2025-03-31.basil',
      created: Math.floor(this.timeline.now() / 1000),
      data: { object },
      livemode: false,
      pending_webhooks: 0,
      request: { id: null, idempotency_key: null },
      type,
    };
  }

  private kept(): StripeEvent[] {
    const oldest = Math.floor(this.timeline.now() / 1000) - STRIPE_EVENT_RETENTION_DAYS * DAY_S;
    return this.events.filter((e) => e.created >= oldest);
  }

  /** `GET /v1/events/{id}`. */
  get(id: string): SimResponse {
    const event = this.kept().find((e) => e.id === id);
    if (event) return { body: event };
    const message = `No such event: '${id}'`;
    return {
      status: 404,
      body: { error: { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message } },
    };
  }

  /** `GET /v1/events`. */
  list(req: SimRequest): SimResponse {
    const q = req.query;
    const limit = Number(q.get('limit') ?? 10);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return invalid('limit', 'limit must be between 1 and 100');
    const bounds = createdBounds(q);
    if (typeof bounds === 'string') return invalid('created', 'Invalid integer for created');
    const types = typeFilter(q);
    if (typeof types !== 'function') return types;
    const success = q.get('delivery_success');
    const delivered = (e: StripeEvent) => {
      const state = this.delivery.get(e.id) ?? 'none';
      return success === null || (success === 'false') === (state === 'pending' || state === 'failed');
    };
    // Newest first; events of one second in the reverse of their creation order.
    const all = this.kept()
      .map((e, i) => ({ e, i }))
      .filter(({ e }) => inBounds(e.created, bounds) && types(e.type) && delivered(e))
      .sort((a, b) => b.e.created - a.e.created || b.i - a.i)
      .map(({ e }) => e);
    return this.page(all, q, limit);
  }

  private page(all: StripeEvent[], q: URLSearchParams, limit: number): SimResponse {
    const after = q.get('starting_after');
    const before = q.get('ending_before');
    if (after && before)
      return invalid('ending_before', 'You may only specify one of starting_after and ending_before.');
    const cursor = after ?? before;
    const at = cursor ? all.findIndex((e) => e.id === cursor) : -1;
    if (cursor && at < 0) return invalid(after ? 'starting_after' : 'ending_before', `No such event: '${cursor}'`);
    const [start, end] = before ? [Math.max(0, at - limit), at] : [at + 1, at + 1 + limit];
    const data = all.slice(start, end);
    const more = before ? start > 0 : end < all.length;
    return { body: { object: 'list', url: '/v1/events', has_more: more, data } };
  }
}
