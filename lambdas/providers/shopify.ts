import * as z from 'zod/mini';
import { IntegrationError } from '../core/errors';
import { isoMs, parsePayload } from './payload';
import type { WebhookSamples } from './samples';
import { shopifyReconciles } from './shopify-recover';
import type { EntityChange, ProviderDefinition, WebhookEvent } from '../core/provider';

// Admin REST resources whose webhooks carry the resource itself (`orders/create` -> an order).
const RESOURCES = new Set([
  'orders',
  'products',
  'customers',
  'draft_orders',
  'collections',
  'fulfillments',
  'fulfillment_orders',
  'refunds',
  'inventory_items',
  'locations',
  'checkouts',
  'carts',
]);
// Mandatory privacy topics: requests to act on, not entity states.
const COMPLIANCE = new Set(['customers/data_request', 'customers/redact', 'shop/redact']);

const resource = z.looseObject({
  id: z.optional(z.union([z.number(), z.string()])),
  admin_graphql_api_id: z.optional(z.string()),
  updated_at: z.optional(z.nullable(z.string())),
});

/**
 * A delivery header from either family: webhooks send `X-Shopify-<name>`; Shopify Events deliveries (developer
 * preview) send `Shopify-<name>`, some both (shopify.dev, "Webhooks delivery structure" and Events' own page).
 */
export const shopifyHeader = (headers: Record<string, string>, name: string): string | undefined =>
  headers[`x-shopify-${name}`] ?? headers[`shopify-${name}`];

const FORWARDED = ['topic', 'shop-domain', 'triggered-at', 'api-version', 'event-id'];
// Only Shopify Events deliveries carry these: their body is a notice about a resource, not the resource.
const EVENTS_ONLY = ['shopify-handle', 'shopify-action', 'shopify-resource-id'];

const triggeredAt = (headers: Record<string, string>): number | undefined => {
  const ms = Date.parse(shopifyHeader(headers, 'triggered-at') ?? '');
  return Number.isNaN(ms) ? undefined : ms;
};

/**
 * What dedupes a delivery. `X-Shopify-Event-Id` is shared by every delivery of one merchant action, across
 * subscriptions (and across topics), while `X-Shopify-Webhook-Id` is one per subscription, kept across retries. So
 * shop + topic + event id is one event however many subscriptions deliver it, without merging two topics one action
 * caused; a delivery without an event id dedupes on its webhook id.
 *
 * @example
 * shopifyEventId(SHOPIFY_HEADERS) // 'johns-apparel.myshopify.com/orders/create/98880550-7158-44d4-b7cd-2c97c8a091b5'
 */
export function shopifyEventId(headers: Record<string, string>): string | undefined {
  const event = shopifyHeader(headers, 'event-id');
  const topic = shopifyHeader(headers, 'topic');
  const shop = shopifyHeader(headers, 'shop-domain');
  if (event && topic && shop) return `${shop}/${topic}/${event}`;
  return shopifyHeader(headers, 'webhook-id');
}

/**
 * The resource's exact id. Shopify ids exceed 2^53, which JSON.parse rounds, so take the digits of
 * `admin_graphql_api_id`, or else the top-level `"id"` digits from the raw text (no library needed for one field).
 */
export function exactShopifyId(body: z.infer<typeof resource>, rawBody: string): string | undefined {
  const fromGid = body.admin_graphql_api_id?.match(/\/(\d+)$/)?.[1];
  if (fromGid) return fromGid;
  if (typeof body.id === 'string') return body.id;
  if (typeof body.id !== 'number') return undefined;
  if (Number.isSafeInteger(body.id)) return String(body.id);
  for (const m of rawBody.matchAll(/"id"\s*:\s*(\d+)/g)) if (Number(m[1]) === body.id) return m[1];
  return undefined;
}

/**
 * A resource webhook (`orders/create`, `products/update`, ...) is the resource at `updated_at`: keyed by
 * shop and exact id. Deletes carry only the id and are versioned by X-Shopify-Triggered-At.
 */
function mapShopify(event: WebhookEvent): EntityChange[] {
  const topic = shopifyHeader(event.headers, 'topic');
  const shop = shopifyHeader(event.headers, 'shop-domain');
  if (!topic || !shop)
    throw new IntegrationError('invalid_payload', 'shopify webhook lacks X-Shopify-Topic or X-Shopify-Shop-Domain');
  const notice = EVENTS_ONLY.some((h) => event.headers[h] !== undefined);
  const body = notice ? {} : parsePayload('shopify', topic, resource, event.body);
  const [name = '', action] = topic.split('/');
  if (notice || COMPLIANCE.has(topic) || (body.id === undefined && !RESOURCES.has(name))) {
    const id = shopifyHeader(event.headers, 'event-id') ?? event.eventId;
    const data = { topic, shop, ...(notice ? { action: event.headers['shopify-action'] } : {}) };
    return [{ type: `event:${topic}`, key: `${shop}/${id}`, version: triggeredAt(event.headers) ?? 0, data }];
  }
  const id = exactShopifyId(body, event.rawBody);
  if (!id) throw new IntegrationError('invalid_payload', `shopify ${topic} payload has no usable id`);
  const type = name.replace(/ies$/, 'y').replace(/s$/, '');
  const key = `${shop}/${id}`;
  if (action === 'delete') {
    const version = triggeredAt(event.headers);
    if (version === undefined)
      throw new IntegrationError('invalid_payload', `shopify ${topic} lacks X-Shopify-Triggered-At`);
    return [{ type, key, version, data: { id, deleted: true } }];
  }
  if (!body.updated_at) throw new IntegrationError('invalid_payload', `shopify ${topic} payload: updated_at missing`);
  return [{ type, key, version: isoMs('shopify', 'updated_at', body.updated_at), data: { ...body, id, topic } }];
}

export const shopify: ProviderDefinition = {
  name: 'shopify',
  displayName: 'Shopify',
  // `{shop}`: the store's myshopify subdomain, from the `shop` secret; the API version is a path segment.
  baseUrl: 'https://{shop}.myshopify.com/admin/api',
  apiVersion: { value: '2026-04', in: 'path' },
  auth: { kind: 'apiKey', in: 'header', name: 'X-Shopify-Access-Token', secret: 'accessToken' },
  secrets: ['clientSecret', 'accessToken', 'shop'],
  // REST Admin API: a leaky bucket of 40 requests refilled at 2 per second.
  rateLimit: { requestsPerSecond: 2, burst: 40 },
  // Calls that use a deprecated resource or field answer with this header (Shopify's API deprecation practices).
  noticeHeaders: ['X-Shopify-API-Deprecated-Reason'],
  webhook: {
    scheme: 'shopify',
    // Shopify signs with the app's client secret.
    secret: 'clientSecret',
    forwardHeaders: [...FORWARDED.flatMap((h) => [`x-shopify-${h}`, `shopify-${h}`]), ...EVENTS_ONLY],
    // https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates and .../verify-deliveries
    eventId: ({ headers }) => shopifyEventId(headers),
    eventTime: ({ headers }) => triggeredAt(headers),
    map: mapShopify,
  },
  recover: process.env.BUNDLED_RECOVER === 'no' ? undefined : shopifyReconciles,
};

// Documented sample deliveries: for local tools and tests only (see samples.ts).

/** Shopify, the delivery headers' documented example values (shopify.dev/docs/apps/build/webhooks/subscribe/https). */
export const SHOPIFY_HEADERS = {
  'x-shopify-topic': 'orders/create',
  'x-shopify-shop-domain': 'johns-apparel.myshopify.com',
  'x-shopify-api-version': '2026-04',
  'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
  'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
  'x-shopify-triggered-at': '2023-03-29T18:00:27.877041743Z',
};

/**
 * Shopify, the `orders/create` sample payload (shopify.dev/docs/api/webhooks, topic orders/create),
 * abridged: the order's own fields, one line item, no addresses. Raw text, because its ids exceed 2^53.
 */
export const SHOPIFY_ORDERS_CREATE_RAW =
  '{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508","app_id":null,"browser_ip":null,' +
  '"buyer_accepts_marketing":true,"cancel_reason":"customer","cancelled_at":"2021-12-31T19:00:00-05:00","cart_token":null,' +
  '"checkout_id":null,"checkout_token":null,"closed_at":null,"confirmed":false,"contact_email":"jon@example.com",' +
  '"created_at":"2021-12-31T19:00:00-05:00","currency":"USD","email":"jon@example.com","financial_status":"voided",' +
  '"fulfillment_status":"pending","name":"#9999","order_number":1234,"processed_at":"2021-12-31T19:00:00-05:00",' +
  '"subtotal_price":"369.97","tags":"tag1, tag2","test":true,"total_price":"403.00","total_tax":"0.00",' +
  '"updated_at":"2021-12-31T19:00:00-05:00",' +
  '"line_items":[{"id":866550311766439020,"admin_graphql_api_id":"gid://shopify/LineItem/866550311766439020","name":"IPod Nano - 8GB",' +
  '"price":"199.00","product_id":632910392,"quantity":1,"sku":"IPOD2008BLACK","title":"IPod Nano - 8GB","variant_id":808950810}]}';

/** Shopify, the `orders/delete` sample payload (shopify.dev/docs/api/webhooks, topic orders/delete). */
export const SHOPIFY_ORDERS_DELETE_RAW = '{"id":820982911946154508}';

const SAMPLE_TIME = '2021-12-31T19:00:00-05:00';
const SAMPLE_ID = '820982911946154508';

export const shopifySamples: WebhookSamples = {
  documented: ({ now, ids }) => {
    const iso = now.toISOString();
    const id = ids.uuid();
    return {
      body: SHOPIFY_ORDERS_CREATE_RAW.replaceAll(SAMPLE_TIME, iso),
      headers: {
        ...SHOPIFY_HEADERS,
        'x-shopify-webhook-id': id,
        'x-shopify-event-id': id,
        'x-shopify-triggered-at': iso,
      },
    };
  },
  entity: (index) => ({
    type: 'order',
    key: `${SHOPIFY_HEADERS['x-shopify-shop-domain']}/8209829119461${String(index).padStart(5, '0')}`,
  }),
  // As shopifyEventId makes it: shop, topic, then X-Shopify-Event-Id.
  eventId: (ids) => `${SHOPIFY_HEADERS['x-shopify-shop-domain']}/orders/updated/${ids.uuid()}`,
  // An `orders/updated` delivery: the order at `updated_at`.
  event: (e) => {
    const iso = new Date(e.version).toISOString();
    let raw = SHOPIFY_ORDERS_CREATE_RAW.replaceAll(SAMPLE_ID, e.key.slice(e.key.lastIndexOf('/') + 1)).replace(
      `"updated_at":"${SAMPLE_TIME}"`,
      `"updated_at":${e.poison ? 'null' : JSON.stringify(iso)}`,
    );
    if (e.text !== undefined)
      raw = raw.replace('"tags":"tag1, tag2"', `"tags":"tag1, tag2","note":${JSON.stringify(e.text)}`);
    const headers = {
      ...SHOPIFY_HEADERS,
      'x-shopify-topic': 'orders/updated',
      'x-shopify-webhook-id': e.eventId.slice(e.eventId.lastIndexOf('/') + 1),
      'x-shopify-event-id': e.eventId.slice(e.eventId.lastIndexOf('/') + 1),
      'x-shopify-triggered-at': iso,
    };
    return { body: raw, headers };
  },
};
