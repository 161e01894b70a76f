import { createHash, randomBytes } from 'node:crypto';
import { ProviderSimulator, type SimRequest, type SimResponse, type SimulatorOptions } from './base';
import { type StripeEvent, StripeEvents } from './stripe-events';

export interface StripeSimulatorOptions extends Omit<SimulatorOptions, 'auth'> {
  /** The secret key callers must send as `Authorization: Bearer sk_...`. */
  secretKey: string;
}

/** The Customer object: https://docs.stripe.com/api/customers/object */
export interface StripeCustomer {
  id: string;
  object: 'customer';
  address: null;
  balance: number;
  created: number;
  currency: null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  discount: null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: { custom_fields: null; default_payment_method: null; footer: null; rendering_options: null };
  livemode: boolean;
  metadata: Record<string, string>;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: 'none' | 'exempt' | 'reverse';
  test_clock: null;
}

interface SavedResult {
  method: string;
  path: string;
  params: string;
  at: number;
  requestId: string;
  response?: SimResponse;
}

const CUSTOMER_PARAMS = new Set([
  'description',
  'email',
  'metadata',
  'name',
  'phone',
  'balance',
  'preferred_locales',
  'tax_exempt',
  'expand',
]);
const KEY_TTL_MS = 24 * 3600 * 1000;

const stripeError = (status: number, error: Record<string, unknown>): SimResponse => ({
  status,
  body: {
    error: {
      ...error,
      doc_url: error.code ? `https://docs.stripe.com/error-codes/${String(error.code).replace(/_/g, '-')}` : undefined,
    },
  },
});

/** `a=1&metadata[k]=v` as Stripe reads it: bracketed keys nest one level. */
function parseForm(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const m = /^([a-z_]+)\[([^\]]*)\]$/.exec(name);
    if (!m) out[name] = value;
    else if (m[2] === '') out[m[1]!] = [...((out[m[1]!] ?? []) as string[]), value];
    else out[m[1]!] = { ...((out[m[1]!] ?? {}) as Record<string, string>), [m[2]!]: value };
  }
  return out;
}

/**
 * Stripe's customers API with its documented idempotency (docs.stripe.com/api/idempotent_requests and
 * docs.stripe.com/error-low-level): the first result for an `Idempotency-Key` is saved once the endpoint
 * runs and replayed for 24 hours (`Idempotent-Replayed: true`); the same key with another endpoint or other
 * parameters is a 400 `idempotency_error`; a key held by a request still running is a 409
 * `idempotency_key_in_use` (`lockKey` simulates one); parameter errors are not saved. Errors have Stripe's
 * `{ error: { type, code, message, param } }` shape; every response has a `Request-Id`. Customers can be listed
 * and searched (`GET /v1/customers/search?query=metadata['k']:'v'`).
 *
 * @example
 * const sim = new StripeSimulator({ secretKey: 'sk_test_123' });
 * const url = await sim.listen(); // the client's base URL is `${url}/v1`
 * sim.faults.add({ kind: 'commit-then-fail', status: 502 }, { match: { method: 'POST', path: '/v1/customers' } });
 */
export class StripeSimulator extends ProviderSimulator {
  readonly customers = new Map<string, StripeCustomer>();
  /** The events log (`GET /v1/events`) and the webhook sender that delivers each event. */
  readonly events: StripeEvents;
  private readonly saved = new Map<string, SavedResult>();
  private readonly locks = new Map<string, number>();

  constructor(opts: StripeSimulatorOptions) {
    super({ ...opts, auth: { kind: 'bearer', token: opts.secretKey } });
    this.route('POST', '/v1/customers', (req) => this.idempotent(req, () => this.create(req)));
    this.route('POST', '/v1/customers/:id', (req) => this.idempotent(req, () => this.update(req)));
    // Before `/:id`, which would take `search` for an id.
    this.route('GET', '/v1/customers/search', (req) => this.withRequestId(this.search(req)));
    this.route('GET', '/v1/customers/:id', (req) => this.withRequestId(this.retrieve(req.params.id!)));
    this.route('GET', '/v1/customers', (req) => this.withRequestId(this.list(req)));
    this.events = new StripeEvents(this.timeline);
    this.route('GET', '/v1/events/:id', (req) => this.withRequestId(this.events.get(req.params.id!)));
    this.route('GET', '/v1/events', (req) => this.withRequestId(this.events.list(req)));
    // Test and ops hooks: an event Stripe created (sent, or failed as if our endpoint had been down), and what was
    // sent.
    this.controlRoute('POST', '/_events', (req) => ({ body: this.emitFromControl(req.body) }));
    this.controlRoute('GET', '/_deliveries', () => ({ body: this.events.sender.attempts }));
  }

  /**
   * `POST /_events` `{ type?, object?, delivery? }`: a `customer.updated` of the first customer (or a new id) by
   * default.
   */
  private emitFromControl(body: string): StripeEvent {
    const input = JSON.parse(body || '{}') as {
      type?: string;
      object?: Record<string, unknown>;
      delivery?: 'send' | 'failed' | 'none';
    };
    const first = [...this.customers.values()][0];
    const object = input.object ?? {
      ...(first ?? { id: `cus_${randomBytes(7).toString('hex')}`, object: 'customer' }),
    };
    return this.events.emit(this.events.create(input.type ?? 'customer.updated', object), input.delivery);
  }

  protected override snapshot(): unknown {
    return { customers: [...this.customers.values()], saved: [...this.saved.entries()] };
  }

  protected override restore(data: unknown): void {
    const d = data as { customers?: StripeCustomer[]; saved?: [string, SavedResult][] };
    for (const c of d.customers ?? []) this.customers.set(c.id, c);
    for (const [key, result] of d.saved ?? []) this.saved.set(key, result);
  }

  /** The next `times` requests with this key answer 409, as while another request with it is running. */
  lockKey(key: string, times = 1): void {
    this.locks.set(key, times);
  }

  /** Saves a result under a key, as if someone had sent `params` with it first (to provoke `idempotency_error`). */
  useKey(key: string, method: string, path: string, params: Record<string, string>): void {
    this.saved.set(key, {
      method,
      path,
      params: canonicalForm(new URLSearchParams(params).toString()),
      at: this.now(),
      requestId: requestId(),
      response: { status: 200, body: {} },
    });
  }

  private withRequestId(out: SimResponse): SimResponse {
    return { ...out, headers: { 'request-id': requestId(), ...out.headers } };
  }

  private idempotent(req: SimRequest, run: () => SimResponse): SimResponse {
    const key = req.headers['idempotency-key'];
    if (key === undefined) return this.withRequestId(run());
    if (key.length > 255)
      return this.withRequestId(
        stripeError(400, {
          type: 'invalid_request_error',
          message: 'Idempotency keys are at most 255 characters long.',
        }),
      );
    const locked = this.locks.get(key) ?? 0;
    const saved = this.saved.get(key);
    if (saved && this.now() - saved.at > KEY_TTL_MS) this.saved.delete(key);
    const current = this.saved.get(key);
    if (locked > 0 || (current && !current.response)) {
      if (locked > 0) this.locks.set(key, locked - 1);
      return this.withRequestId({
        ...stripeError(409, {
          type: 'invalid_request_error',
          code: 'idempotency_key_in_use',
          message: `Another request with the idempotency key ${key} is still in progress; retry later.`,
        }),
        headers: { 'stripe-should-retry': 'true' },
      });
    }
    const params = canonicalForm(req.body);
    if (current) {
      if (current.method !== req.method || current.path !== req.path || current.params !== params) {
        return this.withRequestId(
          stripeError(400, {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Use a key other than '${key}' for a different request.`,
          }),
        );
      }
      return {
        ...current.response!,
        headers: {
          ...current.response!.headers,
          'idempotent-replayed': 'true',
          'original-request': current.requestId,
          'request-id': requestId(),
        },
      };
    }
    const entry: SavedResult = { method: req.method, path: req.path, params, at: this.now(), requestId: requestId() };
    this.saved.set(key, entry);
    const out = run();
    // Parameter errors fail before the endpoint runs, so nothing is saved and the key stays free.
    if (out.status === 400) {
      this.saved.delete(key);
      return { ...out, headers: { ...out.headers, 'request-id': entry.requestId } };
    }
    entry.response = { ...out, headers: { ...out.headers, 'request-id': entry.requestId } };
    return entry.response;
  }

  private validate(params: Record<string, unknown>): SimResponse | undefined {
    for (const name of Object.keys(params)) {
      if (!CUSTOMER_PARAMS.has(name))
        return stripeError(400, {
          type: 'invalid_request_error',
          code: 'parameter_unknown',
          param: name,
          message: `Received unknown parameter: ${name}`,
        });
    }
    const email = params.email;
    if (typeof email === 'string' && email !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
      return stripeError(400, {
        type: 'invalid_request_error',
        code: 'email_invalid',
        param: 'email',
        message: 'Invalid email address',
      });
    const metadata = params.metadata;
    if (
      metadata !== undefined &&
      (typeof metadata !== 'object' || Array.isArray(metadata) || Object.keys(metadata as object).length > 50)
    )
      return stripeError(400, {
        type: 'invalid_request_error',
        param: 'metadata',
        message: 'Invalid metadata: at most 50 keys',
      });
    return undefined;
  }

  private apply(customer: StripeCustomer, params: Record<string, unknown>): void {
    for (const field of ['description', 'email', 'name', 'phone'] as const) {
      if (typeof params[field] === 'string') customer[field] = params[field] === '' ? null : (params[field] as string);
    }
    if (typeof params.balance === 'string') customer.balance = Number(params.balance);
    for (const [k, v] of Object.entries((params.metadata as Record<string, string> | undefined) ?? {})) {
      // An empty value unsets the key.
      if (v === '') delete customer.metadata[k];
      else customer.metadata[k] = v;
    }
  }

  private create(req: SimRequest): SimResponse {
    const params = parseForm(req.body);
    const invalid = this.validate(params);
    if (invalid) return invalid;
    const customer: StripeCustomer = {
      id: `cus_${randomBytes(7).toString('hex')}`,
      object: 'customer',
      address: null,
      balance: 0,
      created: Math.floor(this.now() / 1000),
      currency: null,
      default_source: null,
      delinquent: false,
      description: null,
      discount: null,
      email: null,
      invoice_prefix: randomBytes(4).toString('hex').toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false,
      metadata: {},
      name: null,
      next_invoice_sequence: 1,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: 'none',
      test_clock: null,
    };
    this.apply(customer, params);
    this.customers.set(customer.id, customer);
    return { status: 200, body: customer };
  }

  private update(req: SimRequest): SimResponse {
    const customer = this.customers.get(req.params.id!);
    if (!customer) return this.missing(req.params.id!);
    const params = parseForm(req.body);
    const invalid = this.validate(params);
    if (invalid) return invalid;
    this.apply(customer, params);
    return { status: 200, body: customer };
  }

  private retrieve(id: string): SimResponse {
    const customer = this.customers.get(id);
    return customer ? { body: customer } : this.missing(id);
  }

  private missing(id: string): SimResponse {
    return stripeError(404, {
      type: 'invalid_request_error',
      code: 'resource_missing',
      param: 'id',
      message: `No such customer: '${id}'`,
    });
  }

  /**
   * `GET /v1/customers/search` (docs.stripe.com/search#search-query-language): clauses `field:'value'` (exact)
   * or `field~'value'` (substring) on email, name, phone, description or `metadata['key']`, joined by AND or by
   * OR (never both, as Stripe requires); `limit` (1-100, default 10) and the `page` cursor from `next_page`.
   */
  private search(req: SimRequest): SimResponse {
    const query = req.query.get('query');
    if (!query)
      return stripeError(400, {
        type: 'invalid_request_error',
        code: 'parameter_missing',
        param: 'query',
        message: 'Missing required param: query.',
      });
    const clauses = parseSearch(query);
    if (!clauses)
      return stripeError(400, {
        type: 'invalid_request_error',
        code: 'parameter_invalid',
        param: 'query',
        message: `Invalid search query: ${query}`,
      });
    const test = (c: StripeCustomer, cl: SearchClause) => {
      const value =
        cl.metadata !== undefined ? c.metadata[cl.metadata] : c[cl.field as 'email' | 'name' | 'phone' | 'description'];
      return (
        typeof value === 'string' &&
        (cl.op === ':' ? value === cl.value : value.toLowerCase().includes(cl.value.toLowerCase()))
      );
    };
    const all = [...this.customers.values()]
      .reverse()
      .filter((c) =>
        clauses.join === 'OR' ? clauses.list.some((cl) => test(c, cl)) : clauses.list.every((cl) => test(c, cl)),
      );
    const limit = Math.min(100, Math.max(1, Number(req.query.get('limit') ?? 10) || 10));
    const start = Number(req.query.get('page') ?? 0) || 0;
    const more = start + limit < all.length;
    return {
      body: {
        object: 'search_result',
        url: '/v1/customers/search',
        has_more: more,
        next_page: more ? String(start + limit) : null,
        data: all.slice(start, start + limit),
      },
    };
  }

  // Newest first, `limit` (1-100, default 10) and `starting_after`, as Stripe's list endpoints.
  private list(req: SimRequest): SimResponse {
    const all = [...this.customers.values()]
      .reverse()
      .filter((c) => !req.query.get('email') || c.email === req.query.get('email'));
    const limit = Math.min(100, Math.max(1, Number(req.query.get('limit') ?? 10) || 10));
    const after = req.query.get('starting_after');
    const start = after ? all.findIndex((c) => c.id === after) + 1 : 0;
    const data = all.slice(start, start + limit);
    return { body: { object: 'list', data, has_more: start + limit < all.length, url: '/v1/customers' } };
  }
}

const requestId = (): string => `req_${randomBytes(7).toString('hex')}`;

interface SearchClause {
  field: string;
  metadata?: string;
  op: ':' | '~';
  value: string;
}

const SEARCH_FIELDS = new Set(['email', 'name', 'phone', 'description']);

/** Stripe's search query language, the part the customers fields use; undefined when the query is not valid. */
function parseSearch(query: string): { join: 'AND' | 'OR'; list: SearchClause[] } | undefined {
  const clause = /^\s*(?:(metadata)\['((?:[^'\\]|\\.)+)'\]|([a-z_]+))\s*([:~])\s*'((?:[^'\\]|\\.)*)'\s*/;
  const list: SearchClause[] = [];
  const joins = new Set<string>();
  let rest = query;
  for (;;) {
    const m = clause.exec(rest);
    if (!m) return undefined;
    const field = m[1] ?? m[3]!;
    if (!m[1] && !SEARCH_FIELDS.has(field)) return undefined;
    const unquote = (v: string) => v.replace(/\\(.)/g, '$1');
    list.push({
      field,
      metadata: m[2] === undefined ? undefined : unquote(m[2]),
      op: m[4] as ':' | '~',
      value: unquote(m[5]!),
    });
    rest = rest.slice(m[0].length);
    if (rest === '') break;
    const join = /^(AND|OR)\s+/.exec(rest);
    if (!join) return undefined;
    joins.add(join[1]!);
    rest = rest.slice(join[0].length);
  }
  return joins.size > 1 ? undefined : { join: joins.has('OR') ? 'OR' : 'AND', list };
}

/** Parameters in a stable order, so the same request compares equal however its fields were ordered. */
function canonicalForm(body: string): string {
  const pairs = [...new URLSearchParams(body)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(pairs)).digest('hex');
}
