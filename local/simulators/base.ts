import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { FaultState, noticeHeaders, waitHeaders, type Fault, type FaultSettings } from './faults';
import type { Timeline } from './timeline';

/** The credentials a simulator's protected routes require, as the real provider would. */
export type SimAuth =
  | { kind: 'none' }
  | { kind: 'apiKey'; in: 'header' | 'query'; name: string; value: string }
  | { kind: 'bearer'; token: string }
  /** Several keys at once (Trello: `?key=...&token=...`). */
  | { kind: 'apiKeys'; in: 'header' | 'query'; keys: { name: string; value: string }[] }
  | { kind: 'oauth2'; clientId: string; clientSecret: string; tokenPath?: string; expiresIn?: number };

export interface SimRequest {
  method: string;
  path: string;
  url: URL;
  query: URLSearchParams;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
  /** Path parameters of the matched route (`/v1/items/:id`). */
  params: Record<string, string>;
}

export interface SimResponse {
  status?: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless `raw` is given. */
  body?: unknown;
  raw?: string;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

export interface LoggedRequest {
  /** Simulator clock. */
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  status?: number;
  fault?: Fault['kind'] | 'rate_limited' | 'unauthorized';
}

export interface SimulatorOptions {
  /** The simulator's clock: rate windows, Retry-After dates, token expiry (default Date.now, or the timeline's). */
  now?: () => number;
  /** When its webhooks are sent and retried (default: its clock, in real time). */
  timeline?: Timeline;
  auth?: SimAuth;
  faults?: FaultSettings;
}

interface Route {
  method: string;
  parts: string[];
  handler: SimHandler;
}

const CONTROL = '/_';
const SENSITIVE = /^(authorization|x-api-key|api-key|cookie)$/i;

/**
 * A provider simulator: a real HTTP server on 127.0.0.1 (ephemeral port) with fault knobs, an auth
 * check like the real provider's, an OAuth client-credentials token endpoint, and a request log.
 * Subclasses add the provider's own routes with `route()` and page through data with `servePage`.
 * Faults are set in process (`sim.faults.add(...)`) or over HTTP (`POST /_faults`), so the local
 * stack's ops and a browser test can flip them at runtime.
 *
 * @example
 * class AcmeSimulator extends ProviderSimulator {
 *   constructor(opts: SimulatorOptions = {}) {
 *     super(opts);
 *     this.route('GET', '/v2/widgets/:id', (req) => ({ body: { id: req.params.id } }));
 *   }
 * }
 * const sim = new AcmeSimulator({ auth: { kind: 'bearer', token: 't0k3n' } });
 * const url = await sim.listen();
 * sim.faults.add({ kind: 'status', status: 429, retryAfter: { seconds: 2 } });
 */
export class ProviderSimulator {
  readonly faults: FaultState;
  readonly requests: LoggedRequest[] = [];
  readonly now: () => number;
  /** The provider's clock and schedule: webhook retries and redeliveries run on it. */
  readonly timeline: Timeline;
  protected auth: SimAuth;
  private readonly routes: Route[] = [];
  private readonly controls: Route[] = [];
  private readonly tokens = new Map<string, number>();
  private server?: Server;
  private baseUrl = '';
  private readonly faultListeners = new Set<(kind: Fault['kind'], req: SimRequest, fault: Fault) => void>();
  /** Routes held by `commit-late` faults, run once the simulator's clock reaches `due`. */
  private late: { due: number; run: () => Promise<unknown> }[] = [];
  /** Writes the provider's data to its state file (set by persistTo). */
  private save?: () => void;

  constructor(opts: SimulatorOptions = {}) {
    this.now = opts.now ?? opts.timeline?.now.bind(opts.timeline) ?? Date.now;
    this.timeline = opts.timeline ?? {
      now: this.now,
      schedule: (at, task) =>
        void setTimeout(() => void Promise.resolve(task()).catch(() => undefined), at - this.now()).unref(),
    };
    this.auth = opts.auth ?? { kind: 'none' };
    this.faults = new FaultState(this.now);
    if (opts.faults) this.faults.set(opts.faults);
  }

  get url(): string {
    return this.baseUrl;
  }

  /** Adds a route; `:name` segments become `req.params.name`. */
  route(method: string, path: string, handler: SimHandler): this {
    this.routes.push({ method: method.toUpperCase(), parts: path.split('/').filter(Boolean), handler });
    return this;
  }

  /** Adds a control route under `/_` (emit an event, list what was sent): never faulted, logged or authenticated. */
  controlRoute(method: string, path: string, handler: SimHandler): this {
    if (!path.startsWith(CONTROL)) throw new Error(`control routes start with ${CONTROL}`);
    this.controls.push({ method: method.toUpperCase(), parts: path.split('/').filter(Boolean), handler });
    return this;
  }

  /** Tells a test when a fault is injected (e.g. to expire a virtual clock's timeouts when a request hangs). */
  onFault(listener: (kind: Fault['kind'], req: SimRequest, fault: Fault) => void): () => void {
    this.faultListeners.add(listener);
    return () => this.faultListeners.delete(listener);
  }

  setAuth(auth: SimAuth): void {
    this.auth = auth;
  }

  /**
   * Keeps the simulator's data in `file` across restarts, as the real provider keeps it: loads it now, and
   * writes it after every request that may change it. Without it a restarted stack's external-id mappings
   * (kept in DynamoDB) would point at entities the fresh simulator never had.
   *
   * @example
   * new TrelloSimulator({ apiKey, token }).persistTo('.local/simulators/trello.json');
   */
  persistTo(file: string): this {
    if (existsSync(file)) this.restore(JSON.parse(readFileSync(file, 'utf8')) as unknown);
    this.save = () => {
      mkdirSync(dirname(file), { recursive: true });
      // Written whole, then renamed: a stop mid-write never leaves half a file.
      writeFileSync(`${file}.tmp`, JSON.stringify(this.snapshot()));
      renameSync(`${file}.tmp`, file);
    };
    return this;
  }

  /** The provider's data as JSON (subclasses with data override it with restore). */
  protected snapshot(): unknown {
    return {};
  }

  /** Takes back what snapshot returned. */
  protected restore(_data: unknown): void {}

  /** Invalidates every issued OAuth token: the next call with one gets 401. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  /** Requests to the provider's routes (control routes excluded), optionally only one path prefix. */
  log(path?: string): LoggedRequest[] {
    return this.requests.filter((r) => !path || r.path.startsWith(path));
  }

  /** Runs the held `commit-late` routes that are due (all of them with `all`); returns how many ran. */
  async commitLate(opts: { all?: boolean } = {}): Promise<number> {
    const now = this.now();
    const due = this.late.filter((l) => opts.all || l.due <= now);
    this.late = this.late.filter((l) => !due.includes(l));
    for (const l of due) await l.run().catch(() => undefined);
    if (due.length > 0) this.save?.();
    return due.length;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    this.baseUrl = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sreq = await readRequest(req, this.baseUrl || 'http://127.0.0.1');
    if (sreq.path.startsWith(CONTROL)) return this.respond(res, await this.control(sreq));
    // A create held by `commit-late` lands before whatever comes next once it is due.
    await this.commitLate();
    const query = Object.fromEntries(sreq.query);
    const entry: LoggedRequest = {
      at: this.now(),
      method: sreq.method,
      path: sreq.path,
      query,
      headers: sreq.headers,
      body: sreq.body,
    };
    this.requests.push(entry);
    const finish = async (out: SimResponse, fault?: LoggedRequest['fault']) => {
      entry.status = out.status ?? 200;
      if (fault) entry.fault = fault;
      const latency = this.faults.settings.latencyMs ?? 0;
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      this.respond(res, out);
    };
    const limit = this.faults.rateLimit();
    if (limit.limited) return finish({ status: 429, headers: limit.headers, body: this.limitedBody() }, 'rate_limited');
    const taken = this.faults.take(sreq.method, sreq.path);
    // Commit-then-fail runs the route first, so it is applied after it (below); commit-late holds it for later.
    const committing = taken?.kind === 'commit-then-fail' || taken?.kind === 'commit-late' ? taken : undefined;
    if (taken && !committing) {
      entry.fault = taken.kind;
      this.notify(taken, sreq);
      const outcome = await faultOutcome(taken, this.now());
      if (outcome === 'hang') return; // the connection stays open until the client gives up or the simulator closes
      if (outcome === 'reset') return void req.socket.destroy();
      if (outcome) return finish(outcome.response, taken.kind);
    }
    const denied = this.authenticate(sreq);
    if (denied) return finish(denied.response, denied.fault);
    const match = this.match(sreq);
    if (!match) return finish({ status: 404, body: { error: 'not_found' } });
    sreq.params = match.params;
    if (committing?.kind === 'commit-late') return this.holdLate(committing, match.route, sreq, entry, req);
    const out = await runRoute(match.route, sreq);
    if (sreq.method !== 'GET' && sreq.method !== 'HEAD') this.save?.();
    out.headers = { ...limit.headers, ...noticeHeaders(this.faults.settings.notices, sreq.path), ...out.headers };
    if (!committing) return finish(out);
    entry.fault = 'commit-then-fail';
    entry.status = out.status ?? 200;
    this.notify(committing, sreq);
    if (committing.drop === 'reset') return void req.socket.destroy();
    if (committing.drop === 'hang') return;
    const lost = committing.body === undefined ? badGateway(committing.status ?? 502) : committedError(committing);
    return finish(lost, 'commit-then-fail');
  }

  private notify(fault: Fault, req: SimRequest): void {
    for (const l of this.faultListeners) l(fault.kind, req, fault);
  }

  /** Trello names the limit that was hit: developer.atlassian.com/cloud/trello/guides/rest-api/rate-limits */
  protected limitedBody(): unknown {
    return this.faults.settings.rateLimit?.headers === 'trello'
      ? { error: 'API_TOKEN_LIMIT_EXCEEDED', message: 'Rate limit exceeded' }
      : { error: 'rate_limited', message: 'Too many requests' };
  }

  /** The token endpoint's answer, or a 401 when the request lacks the credentials; undefined when it may pass. */
  private authenticate(req: SimRequest): { response: SimResponse; fault?: LoggedRequest['fault'] } | undefined {
    if (this.auth.kind === 'oauth2' && req.method === 'POST' && req.path === (this.auth.tokenPath ?? '/oauth/token'))
      return { response: this.issueToken(req, this.auth) };
    if (this.authorized(req)) return undefined;
    const headers = { 'www-authenticate': 'Bearer error="invalid_token"' };
    return { response: { status: 401, headers, body: { error: 'invalid_token' } }, fault: 'unauthorized' };
  }

  /** Holds the route until `afterMs` have passed on the simulator's clock, and drops the connection now. */
  private holdLate(
    fault: Extract<Fault, { kind: 'commit-late' }>,
    route: Route,
    sreq: SimRequest,
    entry: LoggedRequest,
    req: IncomingMessage,
  ): void {
    entry.fault = 'commit-late';
    this.notify(fault, sreq);
    this.late.push({ due: this.now() + fault.afterMs, run: async () => route.handler(sreq) });
    // With a real clock nothing else may arrive to trigger it; with a virtual one the timer finds it not due yet.
    setTimeout(() => void this.commitLate(), fault.afterMs).unref();
    if (fault.drop !== 'hang') req.socket.destroy();
  }

  private match(req: SimRequest, routes = this.routes): { route: Route; params: Record<string, string> } | undefined {
    const parts = req.path.split('/').filter(Boolean);
    for (const route of routes) {
      if (route.method !== req.method || route.parts.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const matches = route.parts.every((p, i) => {
        if (!p.startsWith(':')) return p === parts[i];
        params[p.slice(1)] = decodeURIComponent(parts[i]!);
        return true;
      });
      if (matches) return { route, params };
    }
    return undefined;
  }

  private authorized(req: SimRequest): boolean {
    const a = this.auth;
    switch (a.kind) {
      case 'none':
        return true;
      case 'apiKey':
        return (a.in === 'header' ? req.headers[a.name.toLowerCase()] : req.query.get(a.name)) === a.value;
      case 'bearer':
        return req.headers.authorization === `Bearer ${a.token}`;
      case 'apiKeys':
        return a.keys.every(
          (k) => (a.in === 'header' ? req.headers[k.name.toLowerCase()] : req.query.get(k.name)) === k.value,
        );
      case 'oauth2': {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const expiresAt = token ? this.tokens.get(token) : undefined;
        return expiresAt !== undefined && expiresAt > this.now();
      }
    }
  }

  // RFC 6749 4.4: client credentials by HTTP Basic (form-urlencoded, 2.3.1) or in the form body.
  private issueToken(req: SimRequest, a: Extract<SimAuth, { kind: 'oauth2' }>): SimResponse {
    const form = new URLSearchParams(req.body);
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (basic) {
      const [u, p] = Buffer.from(basic, 'base64').toString('utf8').split(':');
      id = decodeURIComponent(u ?? '');
      secret = decodeURIComponent(p ?? '');
    }
    if (form.get('grant_type') !== 'client_credentials')
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    if (id !== a.clientId || secret !== a.clientSecret)
      return { status: 401, headers: { 'www-authenticate': 'Basic' }, body: { error: 'invalid_client' } };
    const token = `sim_${randomBytes(16).toString('hex')}`;
    const expiresIn = a.expiresIn ?? 3600;
    this.tokens.set(token, this.now() + expiresIn * 1000);
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: form.get('scope') ?? undefined },
    };
  }

  /**
   * `GET|POST|DELETE /_faults` and `GET|DELETE /_requests`: runtime control for the local stack, ops and browser tests.
   */
  private async control(req: SimRequest): Promise<SimResponse> {
    const own = this.match(req, this.controls);
    if (own) return runRoute(own.route, { ...req, params: own.params });
    if (req.path === '/_faults') {
      if (req.method === 'GET') return { body: this.faults.settings };
      if (req.method === 'DELETE') {
        this.faults.clear();
        return { body: this.faults.settings };
      }
      if (req.method === 'POST' || req.method === 'PUT') {
        try {
          this.faults.set(JSON.parse(req.body || '{}') as FaultSettings);
        } catch {
          return { status: 400, body: { error: 'body must be JSON fault settings' } };
        }
        return { body: this.faults.settings };
      }
    }
    if (req.path === '/_requests') {
      if (req.method === 'DELETE') this.requests.length = 0;
      // Credentials stay out of what the control route shows.
      const queryKeys = new Set(
        this.auth.kind === 'apiKeys'
          ? this.auth.keys.map((k) => k.name)
          : this.auth.kind === 'apiKey' && this.auth.in === 'query'
            ? [this.auth.name]
            : [],
      );
      const redact = (entries: Record<string, string>, secret: (k: string) => boolean) =>
        Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, secret(k) ? '[redacted]' : v]));
      return {
        body: this.requests.map((r) => ({
          ...r,
          headers: redact(r.headers, (k) => SENSITIVE.test(k)),
          query: redact(r.query, (k) => queryKeys.has(k)),
        })),
      };
    }
    return { status: 404, body: { error: 'not_found' } };
  }

  private respond(res: ServerResponse, out: SimResponse): void {
    if (res.destroyed) return;
    const body = out.raw ?? (out.body === undefined ? '' : JSON.stringify(out.body));
    res.writeHead(out.status ?? 200, { 'content-type': 'application/json', ...out.headers });
    res.end(body);
  }
}

async function readRequest(req: IncomingMessage, base: string): Promise<SimRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? '/', base);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const body = Buffer.concat(chunks).toString('utf8');
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    url,
    query: url.searchParams,
    headers,
    body,
    params: {},
  };
}

async function runRoute(route: Route, req: SimRequest): Promise<SimResponse> {
  try {
    return await route.handler(req);
  } catch (err) {
    return { status: 500, body: { error: 'simulator_error', message: (err as Error).message } };
  }
}

// An error body in place of the answer (Slack's HTTP 200 `fatal_error` after the post was stored).
const committedError = (fault: Extract<Fault, { kind: 'commit-then-fail' }>): SimResponse => ({
  status: fault.status ?? 200,
  body: fault.body,
});

const badGateway = (status: number): SimResponse => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  raw: `<html><head><title>${status} Bad Gateway</title></head><body><h1>${status}</h1></body></html>`,
});

/** The wait a `status` fault announces: Retry-After and/or rate-limit reset headers. */
function waitFor(fault: Extract<Fault, { kind: 'status' }>, now: number): Record<string, string> {
  const retry = fault.retryAfter;
  const reset = fault.reset;
  return {
    ...(retry ? waitHeaders(now, retry.seconds * 1000, { retryAfter: retry.as ?? 'seconds' }) : {}),
    ...(reset
      ? waitHeaders(now, reset.seconds * 1000, { retryAfter: 'none', reset: reset.as, remaining: reset.remaining ?? 0 })
      : {}),
  };
}

/** What an injected fault makes of a request: an answer, a dropped connection, or nothing (the route runs). */
async function faultOutcome(
  fault: Fault,
  now: number,
): Promise<{ response: SimResponse } | 'hang' | 'reset' | undefined> {
  switch (fault.kind) {
    case 'hang':
    case 'reset':
      return fault.kind;
    case 'malformed':
      return {
        response: {
          status: fault.status ?? 200,
          headers: { 'content-type': 'application/json' },
          raw: '{"data": [{"id": "rec_0',
        },
      };
    case 'html': {
      const raw = `<!DOCTYPE html><html><head><title>${fault.status}</title></head><body><h1>${fault.status} Error</h1><p>The server encountered a temporary error.</p></body></html>`;
      return { response: { status: fault.status, headers: { 'content-type': 'text/html; charset=utf-8' }, raw } };
    }
    case 'latency':
      await new Promise((r) => setTimeout(r, fault.ms));
      return undefined;
    case 'status': {
      const body = fault.body ?? { error: `simulated ${fault.status}` };
      return { response: { status: fault.status, headers: { ...waitFor(fault, now), ...fault.headers }, body } };
    }
    default:
      return undefined;
  }
}
