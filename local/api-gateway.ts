import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { API_PAYLOAD_LIMIT, LAMBDA_INVOKE_LIMIT } from '../lambdas/core/blob-layout';
import { realTime } from '../lambdas/core/client/time';
import { TokenBucket } from '../lambdas/core/client/token-bucket';

export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Middleware on matching routes: an answer refuses the request before its handler runs. */
export type RouteGuard = (event: APIGatewayProxyEventV2) => APIGatewayProxyStructuredResultV2 | undefined;

/**
 * HTTP API's payload limit (one constant with the ingest handler's); bigger requests get 413 as API Gateway answers
 * them.
 */
export { API_PAYLOAD_LIMIT };

const TEXT_TYPES = /^(text\/|application\/(json|xml|x-www-form-urlencoded|[\w.+-]+\+json|[\w.+-]+\+xml))/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

interface Route {
  method: string;
  path: string;
  /** Checked before the handler (see `guard`): an answer refuses the request. */
  guard?: RouteGuard;
  /** The path's pattern, compiled once: a regex per request and route was the gateway's largest cost under load. */
  match: (path: string) => Record<string, string> | undefined;
  handler: HttpHandler;
}

/** Headers as API Gateway v2 passes them: lower-case names, repeated values joined by commas. */
function eventHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

/** Text bodies as strings, binary (or invalid UTF-8) base64-encoded with isBase64Encoded, as HTTP APIs do. */
function eventBody(raw: Buffer, contentType: string | undefined): { body?: string; isBase64Encoded: boolean } {
  if (raw.length === 0) return { isBase64Encoded: false };
  if (contentType && TEXT_TYPES.test(contentType)) {
    try {
      return { body: utf8.decode(raw), isBase64Encoded: false };
    } catch {
      // not UTF-8: keep every byte
    }
  }
  return { body: raw.toString('base64'), isBase64Encoded: true };
}

/** Requests per second and burst, as a stage's (or one route's) throttling settings. */
export interface RouteThrottle {
  rateLimit: number;
  burstLimit: number;
}

export interface LocalApiGatewayOptions {
  /**
   * The stage's default route throttling: each route has its own bucket of `burstLimit` requests refilled at
   * `rateLimit` per second, as HTTP API's default route settings; `routes` overrides it per route key.
   * Over it, the gateway answers 429 before the handler runs. Default: no throttling.
   */
  throttle?: RouteThrottle & { routes?: Record<string, RouteThrottle> };
  /** The throttle's clock (epoch ms). */
  now?: () => number;
  /**
   * Take the source IP from the last `X-Forwarded-For` entry, as behind a proxy that sets it (tests and tools stand
   * for callers elsewhere this way); by default it is the connection's address, as API Gateway's `sourceIp` is.
   */
  trustForwardedFor?: boolean;
}

/** What an observer is told of each API response (local pages aside). */
export interface ApiResponse {
  method: string;
  path: string;
  status: number;
  /**
   * The matched route's key (`ANY /webhooks/github`), as API Gateway's `$context.routeKey`; none when no route matched.
   */
  route?: string;
}

/**
 * API Gateway HTTP API (payload format 2.0) on one machine: requests become the same
 * APIGatewayProxyEventV2 events the deployed handlers receive, results become responses.
 */
export class LocalApiGateway {
  private readonly routes: Route[] = [];
  private readonly buckets = new Map<string, TokenBucket>();
  private server?: Server;
  /** Plain node handlers for local-only pages (dashboard, health). */
  private readonly extras: ((req: IncomingMessage, res: ServerResponse, raw: Buffer) => boolean | Promise<boolean>)[] =
    [];
  /** Told the status of every API response (not local pages), as API Gateway's metrics and access log count them. */
  private readonly observers: ((response: ApiResponse) => void)[] = [];

  constructor(private readonly opts: LocalApiGatewayOptions = {}) {}

  private readonly guards: { applies(path: string): boolean; guard: RouteGuard }[] = [];

  addRoute(method: string, path: string, handler: HttpHandler): void {
    const guard = this.guardFor(path);
    this.routes.push({ method: method.toUpperCase(), path, match: pathMatcher(path), handler, guard });
  }

  /** Puts `guard` in front of every route whose pattern `applies` to, added before or after this call. */
  guard(applies: (routePath: string) => boolean, guard: RouteGuard): void {
    this.guards.push({ applies, guard });
    for (const r of this.routes) if (applies(r.path)) r.guard = this.guardFor(r.path);
  }

  private guardFor(path: string): RouteGuard | undefined {
    const all = this.guards.filter((g) => g.applies(path)).map((g) => g.guard);
    if (all.length === 0) return undefined;
    return (event) => {
      for (const g of all) {
        const answer = g(event);
        if (answer) return answer;
      }
      return undefined;
    };
  }

  addPage(handler: (req: IncomingMessage, res: ServerResponse, raw: Buffer) => boolean | Promise<boolean>): void {
    this.extras.push(handler);
  }

  observe(observer: (response: ApiResponse) => void): void {
    this.observers.push(observer);
  }

  private notify(method: string, path: string, status: number, route?: string): void {
    for (const o of this.observers) o({ method, path, status, route });
  }

  /** Takes a token from the route's bucket; false when it has none (API Gateway answers 429). */
  private admit(routeKey: string): boolean {
    const throttle = this.opts.throttle;
    if (!throttle) return true;
    let bucket = this.buckets.get(routeKey);
    if (!bucket) {
      const { rateLimit, burstLimit } = throttle.routes?.[routeKey] ?? throttle;
      const time = { ...realTime, now: this.opts.now ?? realTime.now };
      bucket = new TokenBucket(time, { requestsPerSecond: rateLimit, burst: burstLimit });
      this.buckets.set(routeKey, bucket);
    }
    if (bucket.reserve() <= (this.opts.now ?? Date.now)()) return true;
    bucket.release();
    return false;
  }

  async listen(port: number, host = '127.0.0.1'): Promise<{ port: number; url: string }> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    return { port: address.port, url: `http://${host}:${address.port}` };
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    let routeKey: string | undefined;
    try {
      const raw = await readBody(req);
      if (raw === undefined) {
        this.notify(method, path, 413);
        return send(res, 413, { message: 'Request Entity Too Large' });
      }
      for (const extra of this.extras) if (await extra(req, res, raw)) return;
      const found = this.match(method, path);
      if (!found) {
        this.notify(method, path, 404);
        return send(res, 404, { message: 'Not Found' });
      }
      routeKey = `${found.route.method} ${found.route.path}`;
      await this.dispatch(req, res, raw, url, method, found, routeKey);
    } catch {
      // API Gateway answers 500 when the integration fails; details stay in the function's logs.
      this.notify(method, path, 500, routeKey);
      send(res, 500, { message: 'Internal Server Error' });
    }
  }

  /** After routing: throttle, malformed path, Lambda's invoke limit, the guard, then the handler. */
  private async dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    url: URL,
    method: string,
    { route, params }: { route: Route; params: Record<string, string> },
    routeKey: string,
  ): Promise<void> {
    const path = url.pathname;
    if (!this.admit(routeKey)) {
      this.notify(method, path, 429, routeKey);
      return send(res, 429, { message: 'Too Many Requests' });
    }
    if (params === MALFORMED) {
      this.notify(method, path, 400, routeKey);
      return send(res, 400, { message: 'Bad Request' });
    }
    const event = toEvent(req, raw, url, method, route, params, this.opts.trustForwardedFor ?? false);
    if (raw.length > INVOKE_SAFE_BODY && invokePayloadBytes(event) >= LAMBDA_INVOKE_LIMIT) {
      // As in AWS: Lambda refuses the invoke, the function never runs, API Gateway answers 500.
      this.notify(method, path, 500, routeKey);
      return send(res, 500, { message: 'Internal Server Error' });
    }
    const result = route.guard?.(event) ?? (await route.handler(event));
    res.writeHead(result.statusCode ?? 200, { ...(result.headers ?? {}) } as Record<string, string>);
    res.end(method === 'HEAD' ? undefined : resultBody(result));
    this.notify(method, path, result.statusCode ?? 200, routeKey);
  }

  /** The first route for this method and path, with the path's parameters. */
  private match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== 'ANY' && route.method !== method) continue;
      const params = route.match(path);
      if (params) return { route, params };
    }
    return undefined;
  }
}

function resultBody(result: APIGatewayProxyStructuredResultV2): string | Buffer {
  return result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? '');
}

/** A body this small makes an event under Lambda's invoke limit even if every byte needs a 6-byte escape. */
const INVOKE_SAFE_BODY = Math.floor((LAMBDA_INVOKE_LIMIT - 256 * 1024) / 6);

/**
 * The bytes Lambda counts for an invoke with this event: its JSON, where the body is an escaped string (each `"`
 * and `\\` doubles, a control character takes six bytes) or base64, beside the headers and request context.
 *
 * @example
 * invokePayloadBytes(event) >= LAMBDA_INVOKE_LIMIT // true: API Gateway answers 500, the function never runs
 */
export function invokePayloadBytes(event: APIGatewayProxyEventV2): number {
  return Buffer.byteLength(JSON.stringify(event));
}

/**
 * The parameters of a path that matches but holds a malformed percent-escape (`%E0%A4%A`): a 400, as API Gateway
 * answers.
 */
const MALFORMED: Record<string, string> = Object.freeze({});

/** `decodeURIComponent`, or undefined for a malformed escape (it throws URIError). */
export function decodePathPart(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/**
 * A matcher for `pattern` (API Gateway syntax, `/records/{provider}/{type}`): a path's parameters when it matches
 * (`MALFORMED` when one of them cannot be decoded), else undefined.
 */
function pathMatcher(pattern: string): (path: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const source = pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const re = new RegExp(`^${source}$`);
  return (path) => {
    const m = re.exec(path);
    if (!m) return undefined;
    const values = names.map((_, i) => decodePathPart(m[i + 1]!));
    return values.every((v) => v !== undefined) ? Object.fromEntries(names.map((n, i) => [n, values[i]!])) : MALFORMED;
  };
}

function toEvent(
  req: IncomingMessage,
  raw: Buffer,
  url: URL,
  method: string,
  route: Route,
  pathParameters: Record<string, string>,
  trustForwardedFor: boolean,
): APIGatewayProxyEventV2 {
  const headers = eventHeaders(req);
  const now = Date.now();
  const routeKey = `${route.method} ${route.path}`;
  const query = url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : undefined;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    queryStringParameters: query,
    ...(pathParameters && Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: sourceIpOf(req, headers, trustForwardedFor),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    ...eventBody(raw, headers['content-type']),
  };
}

/** The connection's address, or with `trustForwardedFor` the last `X-Forwarded-For` entry (what the proxy saw). */
function sourceIpOf(req: IncomingMessage, headers: Record<string, string>, trustForwardedFor: boolean): string {
  const forwarded = trustForwardedFor ? headers['x-forwarded-for']?.split(',').pop()?.trim() : undefined;
  return forwarded || (req.socket.remoteAddress ?? '127.0.0.1');
}

// Event listeners, not `for await`: the async iterator cost a promise per chunk on the hot path.
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > API_PAYLOAD_LIMIT) tooBig = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooBig ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
