import * as z from 'zod/mini';
import type { RecoverySpec } from '../core/provider';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const API_VERSION = '2026-04';

const resource = z.looseObject({
  id: z.union([z.number(), z.string()]),
  admin_graphql_api_id: z.string(),
  updated_at: z.string(),
});
type Resource = z.infer<typeof resource>;

/** The resource's exact id: JSON numbers lose Shopify's 64-bit ids, the GraphQL id keeps them. */
const exactId = (r: Resource): string => r.admin_graphql_api_id.match(/\/(\d+)$/)?.[1] ?? String(r.id);

/**
 * One REST Admin resource listed by `updated_at` (shopify.dev/docs/api/admin-rest, "Make paginated requests"): the
 * hour's first request with `updated_at_min`/`updated_at_max` (and `extra`), 250 a page, then the `Link` next URL as
 * given (`page_info` takes no other filter). Each resource goes to the queue as the `<topic>` webhook would carry it,
 * with the shop's domain and its `updated_at` as the trigger time, under an event id of its own per version: the
 * processor's upsert-if-newer writes it only if no webhook brought that version or a later one.
 */
function reconcile(
  name: string,
  topic: string,
  extra: Record<string, string> = {},
  maxAgeMs?: number,
): RecoverySpec<Resource> {
  return {
    name,
    description: `${name} updated in each settled hour, reconciled through the ${topic} webhook's path`,
    schedule: 'rate(1 hour)',
    targets: { secret: 'shop', describe: 'shop (its myshopify.com subdomain)' },
    request: (w) => ({
      path: `/${name}.json`,
      query: {
        updated_at_min: new Date(w.from).toISOString(),
        // Inclusive, at Shopify's one-second resolution: the hour's last second.
        updated_at_max: new Date(w.to - 1000).toISOString(),
        limit: 250,
        ...extra,
      },
      operation: `GET /${name}.json`,
    }),
    pagination: { style: 'link', recordsPath: name },
    schema: { record: resource, envelope: z.looseObject({ [name]: z.array(z.unknown()) }) },
    // Shopify retries 8 times over 4 hours: reconciling after an hour repairs sooner, and its late retries are skipped.
    window: { sizeMs: HOUR, start: '2024-01-01', firstRunBackMs: DAY, maxAgeMs, settleMs: HOUR },
    timeoutSeconds: 300,
    deliver: {
      kind: 'enqueue',
      event: (r, shop) => ({
        eventId: `recovered:${name}/${exactId(r)}@${r.updated_at}`,
        body: JSON.stringify(r),
        headers: {
          'x-shopify-topic': topic,
          'x-shopify-shop-domain': `${shop}.myshopify.com`,
          'x-shopify-triggered-at': new Date(Date.parse(r.updated_at)).toISOString(),
          'x-shopify-api-version': API_VERSION,
        },
      }),
    },
    limits: 'deletes (no listing shows them)',
  };
}

/**
 * Shopify keeps no log of the webhooks it sent: after 8 failed tries over 4 hours it drops the delivery (and removes
 * an Admin-API subscription). What its webhooks carry is the resource itself, so recovery reconciles the resources
 * the mapping stores from their REST lists. Orders need `status=any` (the list shows open ones by default) and,
 * beyond 60 days, the `read_all_orders` scope. Not reconciled: deletes, carts (no Admin list), fulfillments and
 * refunds (listed per order only), inventory items and locations (no date filter).
 */
export const shopifyReconciles: readonly RecoverySpec<Resource>[] = [
  reconcile('orders', 'orders/updated', { status: 'any' }, 60 * DAY),
  reconcile('products', 'products/update'),
  reconcile('customers', 'customers/update'),
  reconcile('draft_orders', 'draft_orders/update'),
];
