import { randomUUID } from 'node:crypto';
import { ProviderSimulator, type SimRequest, type SimResponse, type SimulatorOptions } from './base';
import { RETRY_SCHEDULES, WebhookSender } from './sender';

/** The REST Admin resources the simulator lists (those the stack reconciles). */
export const SHOPIFY_RESOURCES = ['orders', 'products', 'customers', 'draft_orders'] as const;
export type ShopifyResource = (typeof SHOPIFY_RESOURCES)[number];

interface Stored {
  /** The resource's JSON text, as Shopify sends it (its ids exceed 2^53: never re-serialised). */
  raw: string;
  id: bigint;
  updatedAt: number;
  createdAt: number;
  status?: string;
}

export interface ShopifySimulatorOptions extends Omit<SimulatorOptions, 'auth'> {
  /** The Admin API access token callers send in `X-Shopify-Access-Token`. */
  accessToken: string;
  /** The shop's domain in webhook headers (default johns-apparel.myshopify.com, Shopify's documented example). */
  shopDomain?: string;
  /** The app has `read_all_orders`: orders older than 60 days are listed too. */
  readAllOrders?: boolean;
}

const DAY = 86_400_000;
const errors = (status: number, message: string): SimResponse => ({ status, body: { errors: message } });

const parseTime = (v: string | null): number | undefined | false => {
  if (v === null) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? false : ms;
};

/** The filters a first request sets; `page_info` carries them on (Shopify's cursor pagination). */
interface Filters {
  min?: number;
  max?: number;
  status: string;
  after: string;
}

/**
 * Shopify's REST Admin lists of orders, products, customers and draft orders (`GET
 * /admin/api/{version}/{resource}.json`) with `updated_at_min`/`updated_at_max` (inclusive), `status` (orders: `open`
 * by default, `any`), `limit` (1-250, default 50) and cursor pagination: a `Link` header with `page_info`, which takes
 * no filter but `limit` and `fields` (400 otherwise); orders older than 60 days are hidden without `read_all_orders`.
 * Its webhook sender delivers each change (`X-Shopify-*` headers), retries 8 times over 4 hours, then removes the
 * subscription: later changes are not sent until it is created again (`subscribe()`).
 *
 * @example
 * const sim = new ShopifySimulator({ accessToken: 'shpat_x' });
 * sim.upsert('orders', raw, 'orders/updated'); // stored, and delivered to sim.sender.target if set
 */
export class ShopifySimulator extends ProviderSimulator {
  readonly resources = new Map<ShopifyResource, Map<string, Stored>>(SHOPIFY_RESOURCES.map((r) => [r, new Map()]));
  readonly sender: WebhookSender;
  /** Shopify removed the webhook subscription after a delivery failed 8 retries over 4 hours. */
  subscriptionRemoved = false;
  readonly shopDomain: string;
  private readonly readAllOrders: boolean;

  constructor(opts: ShopifySimulatorOptions) {
    super({ ...opts, auth: { kind: 'apiKey', in: 'header', name: 'X-Shopify-Access-Token', value: opts.accessToken } });
    this.shopDomain = opts.shopDomain ?? 'johns-apparel.myshopify.com';
    this.readAllOrders = opts.readAllOrders ?? false;
    this.sender = new WebhookSender(this.timeline, RETRY_SCHEDULES.shopify);
    this.route('GET', '/admin/api/:version/:resource', (req) => this.list(req));
  }

  /** Creates the subscription again (after Shopify removed it). */
  subscribe(): void {
    this.subscriptionRemoved = false;
  }

  /**
   * Stores a resource's new state (its JSON text) and, while subscribed and a target is set, sends the `topic`
   * webhook with Shopify's headers (`headers` may fix the ids). Returns the webhook id, or undefined when not sent.
   */
  upsert(
    resource: ShopifyResource,
    raw: string,
    topic: string,
    headers: Record<string, string> = {},
  ): string | undefined {
    const body = JSON.parse(raw) as {
      updated_at?: string;
      created_at?: string;
      status?: string;
      admin_graphql_api_id?: string;
    };
    const id = BigInt(body.admin_graphql_api_id?.match(/\/(\d+)$/)?.[1] ?? /"id"\s*:\s*(\d+)/.exec(raw)?.[1] ?? 0);
    const updatedAt = Date.parse(body.updated_at ?? '') || this.now();
    const createdAt = Date.parse(body.created_at ?? '') || updatedAt;
    this.resources.get(resource)!.set(String(id), { raw, id, updatedAt, createdAt, status: body.status });
    if (this.subscriptionRemoved || !this.sender.target) return undefined;
    const webhookId = headers['x-shopify-webhook-id'] ?? randomUUID();
    const sent = {
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': this.shopDomain,
      'x-shopify-api-version': '2026-04',
      'x-shopify-webhook-id': webhookId,
      'x-shopify-event-id': randomUUID(),
      'x-shopify-triggered-at': new Date(this.now()).toISOString(),
      ...headers,
    };
    this.sender.deliver(
      { id: webhookId, body: raw, headers: sent },
      { onGiveUp: () => (this.subscriptionRemoved = true) },
    );
    return webhookId;
  }

  private filters(req: SimRequest): { filters: Filters } | { refused: SimResponse } {
    const q = req.query;
    const pageInfo = q.get('page_info');
    if (pageInfo !== null) {
      const others = [...q.keys()].filter((k) => !['page_info', 'limit', 'fields'].includes(k));
      if (others.length > 0) return { refused: errors(400, `page_info cannot be used with ${others.join(', ')}`) };
      try {
        return { filters: JSON.parse(Buffer.from(pageInfo, 'base64url').toString('utf8')) as Filters };
      } catch {
        return { refused: errors(400, 'page_info - Invalid value.') };
      }
    }
    const min = parseTime(q.get('updated_at_min'));
    const max = parseTime(q.get('updated_at_max'));
    if (min === false || max === false)
      return { refused: errors(400, 'updated_at_min and updated_at_max must be ISO 8601 dates') };
    return { filters: { min, max, status: q.get('status') ?? 'open', after: '0' } };
  }

  private visible(resource: ShopifyResource, s: Stored, f: Filters): boolean {
    if (f.min !== undefined && s.updatedAt < f.min) return false;
    if (f.max !== undefined && s.updatedAt > f.max) return false;
    if (resource !== 'orders') return true;
    if (!this.readAllOrders && s.createdAt < this.now() - 60 * DAY) return false;
    return f.status === 'any' || (s.status ?? 'open') === f.status;
  }

  /** One page, ordered by id; the next page's `page_info` carries the filters and the last id. */
  private list(req: SimRequest): SimResponse {
    const name = req.params.resource!.replace(/\.json$/, '') as ShopifyResource;
    const store = this.resources.get(name);
    if (!store) return errors(404, 'Not Found');
    const limit = Number(req.query.get('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 250) return errors(400, 'limit must be between 1 and 250');
    const read = this.filters(req);
    if ('refused' in read) return read.refused;
    const { filters } = read;
    const all = [...store.values()]
      .filter((s) => s.id > BigInt(filters.after) && this.visible(name, s, filters))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const page = all.slice(0, limit);
    const headers: Record<string, string> = { 'x-shopify-api-version': req.params.version! };
    if (all.length > limit) {
      const next = new URL(req.url.origin + req.url.pathname);
      const info = { ...filters, after: String(page.at(-1)!.id) };
      next.searchParams.set('limit', String(limit));
      next.searchParams.set('page_info', Buffer.from(JSON.stringify(info)).toString('base64url'));
      headers.link = `<${next.toString()}>; rel="next"`;
    }
    return { headers, raw: `{"${name}":[${page.map((s) => s.raw).join(',')}]}` };
  }
}
