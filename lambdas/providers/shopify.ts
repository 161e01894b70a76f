import * as z from 'zod/mini';
import { IntegrationError } from '../core/errors';
import { isoMs, parsePayload } from './payload';
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

const triggeredAt = (headers: Record<string, string>): number | undefined => {
  const ms = Date.parse(headers['x-shopify-triggered-at'] ?? '');
  return Number.isNaN(ms) ? undefined : ms;
};

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
  const topic = event.headers['x-shopify-topic'];
  const shop = event.headers['x-shopify-shop-domain'];
  if (!topic || !shop)
    throw new IntegrationError('invalid_payload', 'shopify webhook lacks X-Shopify-Topic or X-Shopify-Shop-Domain');
  const body = parsePayload('shopify', topic, resource, event.body);
  const [name = '', action] = topic.split('/');
  if (COMPLIANCE.has(topic) || (body.id === undefined && !RESOURCES.has(name))) {
    return [
      {
        type: `event:${topic}`,
        key: `${shop}/${event.eventId}`,
        version: triggeredAt(event.headers) ?? 0,
        data: { topic, shop },
      },
    ];
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
    forwardHeaders: ['x-shopify-topic', 'x-shopify-shop-domain', 'x-shopify-triggered-at', 'x-shopify-api-version'],
    // The same for every retry of one delivery: https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates
    eventId: ({ headers }) => headers['x-shopify-webhook-id'],
    eventTime: ({ headers }) => triggeredAt(headers),
    map: mapShopify,
  },
};
