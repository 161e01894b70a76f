/** One fault a simulator can inject, before the route runs. */
export type Fault =
  /** Any status; `retryAfter` and `reset` are computed at response time from the simulator's clock. */
  | {
      kind: 'status';
      status: number;
      headers?: Record<string, string>;
      body?: unknown;
      retryAfter?: { seconds: number; as?: 'seconds' | 'date' };
      reset?: { seconds: number; as: 'epoch' | 'delta' | 'draft'; remaining?: number };
    }
  /** Never answers (until the simulator closes). */
  | { kind: 'hang' }
  /** Destroys the connection without a response. */
  | { kind: 'reset' }
  /** A truncated JSON body (default status 200). */
  | { kind: 'malformed'; status?: number }
  /** An HTML error page, as gateways and CDNs send. */
  | { kind: 'html'; status: number }
  /** Answers normally after `ms` of real time. */
  | { kind: 'latency'; ms: number }
  /**
   * The route runs (a create commits, an idempotent response is saved), then the answer is lost: a `status`
   * (default 502, an HTML gateway page), an error `body` in its place (JSON, `status` default 200: Slack's
   * `{ ok: false, error: 'fatal_error' }`), or a dropped connection (`drop`: `reset`, or `hang` until the client gives
   * up).
   */
  | { kind: 'commit-then-fail'; status?: number; body?: unknown; drop?: 'reset' | 'hang' }
  /**
   * The answer is lost first (`drop`: `reset` by default, or `hang`) and the route runs `afterMs` later on the
   * simulator's clock: a request the provider was still working on when the client gave up, which commits after
   * the client has already looked for it. It runs at the first request after it is due (or on a real timer).
   */
  | { kind: 'commit-late'; afterMs: number; drop?: 'reset' | 'hang' };

export interface FaultRule {
  fault: Fault;
  /** Only requests with this method and/or path prefix; control routes are never matched. */
  match?: { method?: string; path?: string };
  /** How many matching requests get the fault (default 1; `Infinity` for all). */
  times?: number;
}

/** A fixed-window rate limit, windows aligned to the simulator's clock (as GitHub's epoch-second resets). */
export interface RateLimitKnob {
  limit: number;
  windowMs: number;
  /** How a 429 says when to come back (default seconds). */
  retryAfter?: 'seconds' | 'date' | 'none';
  /**
   * Which headers report the window on every response (default x-ratelimit, reset in epoch seconds); `trello`
   * sends Trello's `x-rate-limit-api-token-{interval-ms,max,remaining}` (no reset time) and its 429 body.
   */
  headers?: 'x-ratelimit' | 'x-ratelimit-delta' | 'draft' | 'none' | 'trello';
}

/**
 * Deprecation signals on every answer of the provider's routes (or of those under `path`), as a provider
 * announces an API change: RFC 9745 `Deprecation`, RFC 8594 `Sunset`, their `Link` relations, a `Warning`.
 */
export interface NoticeKnob {
  /** Only paths starting with this. */
  path?: string;
  /**
   * When the endpoint is (or was) deprecated, ISO date (sent as `@<epoch seconds>`), or `true` for the drafts' boolean.
   */
  deprecation?: string | true;
  /** When it stops answering, ISO date (sent as an HTTP-date). */
  sunset?: string;
  /** Sent as `Link: <url>; rel="deprecation"` (and rel="sunset" when `sunset` is set). */
  link?: string;
  /** Sent as `Warning: 299 - "<text>"`. */
  warning?: string;
  /** Any other headers, e.g. a provider's own notice header. */
  headers?: Record<string, string>;
}

/**
 * The response headers a notice knob adds.
 *
 * @example
 * noticeHeaders({ sunset: '2025-01-31T00:00:00Z' }, '/v1/items') // { sunset: 'Fri, 31 Jan 2025 00:00:00 GMT' }
 */
export function noticeHeaders(knob: NoticeKnob | undefined, path: string): Record<string, string> {
  if (!knob || (knob.path && !path.startsWith(knob.path))) return {};
  const h: Record<string, string> = { ...knob.headers };
  if (knob.deprecation === true) h.deprecation = 'true';
  else if (knob.deprecation) h.deprecation = `@${Math.floor(Date.parse(knob.deprecation) / 1000)}`;
  if (knob.sunset) h.sunset = new Date(Date.parse(knob.sunset)).toUTCString();
  if (knob.link)
    h.link = [
      `<${knob.link}>; rel="deprecation"; type="text/html"`,
      ...(knob.sunset ? [`<${knob.link}>; rel="sunset"; type="text/html"`] : []),
    ].join(', ');
  if (knob.warning) h.warning = `299 - "${knob.warning.replace(/["\\]/g, '\\$&')}"`;
  return h;
}

/** Everything settable per test, in process or by `POST /_faults`. */
export interface FaultSettings {
  rules?: FaultRule[];
  rateLimit?: RateLimitKnob;
  /** Every n-th record of the data set fails the provider's schema. */
  invalidEvery?: number;
  /** Cursor and link paginators point back to the first page after this many pages. */
  cursorLoopAfter?: number;
  /** Real latency added to every response. */
  latencyMs?: number;
  /** Deprecation and sunset headers on the provider's answers. */
  notices?: NoticeKnob;
}

const httpDate = (ms: number): string => new Date(Math.ceil(ms / 1000) * 1000).toUTCString();

/**
 * Headers for a 429/503's Retry-After and reset, from the simulator's clock; dates round up so clients never come back
 * early.
 */
export function waitHeaders(
  now: number,
  waitMs: number,
  opts: {
    retryAfter?: 'seconds' | 'date' | 'none';
    reset?: 'epoch' | 'delta' | 'draft' | 'none';
    remaining?: number;
    limit?: number;
  },
): Record<string, string> {
  const h: Record<string, string> = {};
  const seconds = Math.max(0, Math.ceil(waitMs / 1000));
  if (opts.retryAfter === 'date') h['retry-after'] = httpDate(now + waitMs);
  else if (opts.retryAfter !== 'none') h['retry-after'] = String(seconds);
  const remaining = String(opts.remaining ?? 0);
  if (opts.reset === 'epoch' || opts.reset === 'delta') {
    if (opts.limit !== undefined) h['x-ratelimit-limit'] = String(opts.limit);
    h['x-ratelimit-remaining'] = remaining;
    h['x-ratelimit-reset'] = opts.reset === 'epoch' ? String(Math.ceil((now + waitMs) / 1000)) : String(seconds);
  } else if (opts.reset === 'draft') {
    h.ratelimit = `"default";r=${remaining};t=${seconds}`;
    if (opts.limit !== undefined) h['ratelimit-policy'] = `"default";q=${opts.limit};w=${seconds}`;
  }
  return h;
}

/**
 * The fault state of one simulator: scripted rules consumed in order, a fixed-window rate limit,
 * data-set corruption, cursor loops and latency.
 */
export class FaultState {
  settings: Required<Pick<FaultSettings, 'rules'>> & Omit<FaultSettings, 'rules'> = { rules: [] };
  private window = { start: 0, count: 0 };

  constructor(private readonly now: () => number) {}

  /** Replaces every knob (what `POST /_faults` does). */
  set(settings: FaultSettings): void {
    this.settings = { ...settings, rules: (settings.rules ?? []).map((r) => ({ ...r })) };
    this.window = { start: 0, count: 0 };
  }

  /** Adds one scripted fault, e.g. `add({ kind: 'status', status: 503 }, { times: 2 })`. */
  add(fault: Fault, opts: Omit<FaultRule, 'fault'> = {}): this {
    this.settings.rules.push({ fault, ...opts });
    return this;
  }

  update(settings: Partial<FaultSettings>): this {
    Object.assign(this.settings, settings);
    return this;
  }

  clear(): void {
    this.set({});
  }

  /** The first scripted fault matching this request, consuming one of its uses. */
  take(method: string, path: string): Fault | undefined {
    const rules = this.settings.rules;
    const i = rules.findIndex(
      (r) =>
        (!r.match?.method || r.match.method.toUpperCase() === method) &&
        (!r.match?.path || path.startsWith(r.match.path)) &&
        (r.times ?? 1) > 0,
    );
    if (i < 0) return undefined;
    const rule = rules[i]!;
    rule.times = (rule.times ?? 1) - 1;
    return rule.fault;
  }

  /** Counts a request against the rate-limit window: `limited` when over it, with the headers to send either way. */
  rateLimit(): { limited: boolean; headers: Record<string, string> } {
    const knob = this.settings.rateLimit;
    if (!knob) return { limited: false, headers: {} };
    const now = this.now();
    const start = Math.floor(now / knob.windowMs) * knob.windowMs;
    if (start !== this.window.start) this.window = { start, count: 0 };
    const limited = this.window.count >= knob.limit;
    if (!limited) this.window.count += 1;
    const waitMs = start + knob.windowMs - now;
    const style = knob.headers ?? 'x-ratelimit';
    if (style === 'trello') {
      const headers: Record<string, string> = {
        'x-rate-limit-api-token-interval-ms': String(knob.windowMs),
        'x-rate-limit-api-token-max': String(knob.limit),
        'x-rate-limit-api-token-remaining': String(knob.limit - this.window.count),
      };
      return {
        limited,
        headers: {
          ...headers,
          ...(limited ? waitHeaders(now, waitMs, { retryAfter: knob.retryAfter ?? 'seconds' }) : {}),
        },
      };
    }
    const reset = style === 'x-ratelimit' ? 'epoch' : style === 'x-ratelimit-delta' ? 'delta' : style;
    const headers = waitHeaders(now, waitMs, {
      retryAfter: limited ? (knob.retryAfter ?? 'seconds') : 'none',
      reset,
      remaining: knob.limit - this.window.count,
      limit: knob.limit,
    });
    return { limited, headers };
  }
}
