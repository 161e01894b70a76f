import type { PageSchema } from '../client/validate-page';
import type { ClientRequest } from '../client/types';
import type { HmacOptions, SignatureScheme } from '../signatures';
import type { WritesSpec } from '../writes/types';

/** How the client authenticates; values are secret names, never secrets. */
export type AuthSpec =
  | { kind: 'none' }
  | { kind: 'apiKey'; in: 'header' | 'query'; name: string; secret: string }
  | { kind: 'bearer'; secret: string }
  /** Several keys sent together, each from its own secret (Trello: `?key=...&token=...`). */
  | { kind: 'apiKeys'; in: 'header' | 'query'; keys: { name: string; secret: string }[] }
  | {
      kind: 'oauth2-client-credentials';
      tokenUrl: string;
      clientIdSecret: string;
      clientSecretSecret: string;
      scopes?: string[];
      /** How the client authenticates at the token endpoint (RFC 6749 2.3.1): HTTP Basic (default) or form fields. */
      clientAuth?: 'basic' | 'body';
      /** Extra form fields some token endpoints require (e.g. `audience`); never secrets. */
      params?: Record<string, string>;
    };

/** What the ingest path knows of one verified delivery. */
export interface WebhookInput {
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The raw body as UTF-8 text (JSON). */
  rawBody: string;
  /** The parsed body. */
  body: unknown;
}

/** What the processor knows of one queued event. */
export interface WebhookEvent extends WebhookInput {
  provider: string;
  eventId: string;
  receivedAt: number;
}

/** One entity state implied by an event; written only if `version` is newer than the stored one. */
export interface EntityChange {
  type: string;
  key: string;
  /** Monotonic per entity: provider's updated-at in epoch ms, or a sequence number. */
  version: number;
  data: Record<string, unknown>;
}

export interface HandshakeResponse {
  statusCode: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface WebhookSpec {
  scheme: SignatureScheme;
  /** Secret name holding the signing secret(s); a JSON array value holds several for rotation. */
  secret: string;
  /** For timestamped schemes; default 300 s. */
  toleranceSeconds?: number;
  /** For the plain `hmac-sha256` scheme. */
  hmac?: HmacOptions;
  /** Headers (lower-case) the processor needs, carried as a message attribute. */
  forwardHeaders?: string[];
  /** The provider's stable id for this delivery; a hash of the body when undefined. */
  eventId(input: WebhookInput): string | undefined;
  /** When the provider says the event happened (epoch ms), for lag metrics. */
  eventTime?(input: WebhookInput): number | undefined;
  /** A verified request the provider expects answered directly (challenges, pings) instead of queued. */
  handshake?(input: WebhookInput): HandshakeResponse | undefined;
  /** Answer `HEAD` with 200, unverified: the provider probes the URL before it sends (Trello, on webhook creation). */
  allowHead?: boolean;
  /**
   * Secret name whose value is the exact URL the provider signs (Trello signs its callbackURL). Used when
   * the value is an http(s) URL; any other value (the deploy placeholder) means the URL the request came
   * to, which differs from what was registered behind a custom domain or a path mapping.
   */
  callbackUrlSecret?: string;
  /** Maps a verified event to entity changes. Throws IntegrationError('invalid_payload') when it cannot. */
  map(event: WebhookEvent): EntityChange[];
}

/** Where a provider reports its limits, when it does not use the common `X-RateLimit-*` / `RateLimit` names. */
export interface RateLimitHeaderNames {
  /** Requests left in the window (default `x-ratelimit-remaining`). */
  remaining?: string;
  /** When the window resets (default `x-ratelimit-reset`). */
  reset?: string;
  /** How `reset` counts; `auto` (default) reads small numbers as seconds from now, large ones as epoch seconds or ms. */
  resetUnit?: 'auto' | 'delta-seconds' | 'epoch-seconds' | 'epoch-ms';
  /** The window of `remaining` when no reset header names its end: at 0 left, calls wait this long. */
  windowMs?: number;
  /** A daily quota's remaining-requests header (resets at 00:00 UTC): at 0, calls fail `quota_exhausted` unsent until then. */
  dailyRemaining?: string;
}

/** Retries of the outbound client. Defaults: 200 ms base, 20 s cap, 4 attempts, 5 waits on 429 (5 s at least when it names no time). */
export interface RetrySpec {
  baseMs?: number;
  capMs?: number;
  /** Attempts in all for transient failures (5xx, 408, timeouts, resets). */
  attempts?: number;
  /** How many times one call waits out a 429 before it returns `rate_limited`. */
  rateLimitWaits?: number;
  /** The first wait after a 429 that names no time (no Retry-After, no reset), doubled on each repeat (default 5 s). */
  minRateLimitWaitMs?: number;
  /** Other statuses the provider documents as worth retrying (Stripe: 409, a concurrent request with the same idempotency key). */
  retryStatuses?: number[];
}

/** The per-provider circuit breaker. Defaults: 5 consecutive failures, or 50% of the last 20 calls (10 at least); probe after 30 s. */
export interface CircuitBreakerSpec {
  consecutiveFailures?: number;
  failureRate?: number;
  window?: number;
  minimumCalls?: number;
  halfOpenAfterMs?: number;
}

/** How a list endpoint pages. Stops on no next, an empty page, a cursor or link seen before, or `maxPages`. */
export type PaginationSpec = (
  | {
      style: 'page';
      pageParam?: string;
      firstPage?: number;
      sizeParam?: string;
      pageSize?: number;
      totalPagesPath?: string;
      /** Request the first page without the page parameter (API-Football's endpoints that do not page reject it). */
      omitFirstPage?: boolean;
    }
  | { style: 'offset'; offsetParam?: string; limitParam?: string; limit: number; totalPath?: string }
  | {
      style: 'cursor';
      /** Query parameter that carries the cursor. */
      cursorParam: string;
      /** Dot path of the next cursor: in the body, or in the last record (`from: 'lastRecord'`, as Stripe's `starting_after`). */
      cursorPath: string;
      from?: 'body' | 'lastRecord';
      /** Dot path of a "more pages" flag (e.g. `has_more`); false stops. */
      hasMorePath?: string;
      sizeParam?: string;
      pageSize?: number;
    }
  | { style: 'link'; sizeParam?: string; pageSize?: number }
  | { style: 'next-url'; nextPath: string; sizeParam?: string; pageSize?: number }
) & {
  /** Dot path of the records array in the body; the body itself when unset. */
  recordsPath?: string;
  /** At most this many pages per run (default 1000). */
  maxPages?: number;
};

export interface ProviderDefinition {
  /** Lower-case, URL-safe: used in routes, resource names and metrics. */
  name: string;
  displayName: string;
  baseUrl: string;
  /** Pinned API version and how the provider expects it. */
  apiVersion?: { value: string; in: 'header'; header: string } | { value: string; in: 'path' };
  auth: AuthSpec;
  /** Every secret name this provider reads (auth and webhook). */
  secrets: string[];
  /** Client-side token bucket; the client also follows what the provider reports in its headers. */
  rateLimit?: { requestsPerSecond: number; burst?: number; headers?: RateLimitHeaderNames };
  /** Per attempt (default 8 s) and per call (default 60 s, never past the Lambda's remaining time minus `safetyMarginMs`, default 2 s). */
  timeouts?: { attemptMs?: number; callMs?: number; safetyMarginMs?: number };
  retry?: RetrySpec;
  /** Calls in flight at once to this provider, per process (default 8). */
  concurrency?: number;
  circuitBreaker?: CircuitBreakerSpec;
  /** Header that carries an idempotency key on writes (e.g. Stripe's `Idempotency-Key`); unset when the provider has none. */
  idempotencyKeyHeader?: string;
  /** Response headers that carry the provider's request id, first found wins (common names are always tried). */
  requestIdHeaders?: string[];
  /** The provider's error code in an error response body (Stripe: `error.code` or `error.type`), added to the error message. */
  errorCode?(body: unknown): string | undefined;
  /**
   * Response headers by which the provider announces API changes besides the standard `Deprecation`, `Sunset`
   * and `Warning` (e.g. Shopify's `X-Shopify-API-Deprecated-Reason`); each one seen is recorded as a notice.
   */
  noticeHeaders?: string[];
  webhook?: WebhookSpec;
  /** Outbound writes this provider accepts as commands, by operation name (README, "Outbound writes"). */
  writes?: WritesSpec;
  /**
   * Reads a response for errors the provider reports its own way: a 2xx body with an error inside
   * (API-Football's `errors` object), a 4xx the common rules call permanent that the provider
   * documents as transient (API-Football's 499 Time Out, GitHub's rate-limit 403), or when a 429 may
   * retry (GitHub's secondary limits). Undefined keeps the common rules. Runs in the client, before
   * retries and pagination.
   */
  inspectResponse?(
    res: { status: number; headers: Record<string, string>; body: unknown },
    now: number,
  ): ResponseProblem | undefined;
  /** Scheduled syncs of this provider's list endpoints (one EventBridge schedule each). */
  polls?: readonly PollSpec[];
}

/** An error a provider reported inside a success response, as the client should treat it. */
export interface ResponseProblem {
  kind: 'rate_limited' | 'quota_exhausted' | 'auth' | 'permanent' | 'retryable' | 'malformed_response';
  /** The provider's own words, for logs and gaps; never a credential. */
  message: string;
  /** When calls work again (epoch ms): a rate limit's reset, a daily quota's next day. */
  resumeAt?: number;
}

/** A half-open span of provider time `[from, to)` in epoch ms: a poll makes one request (and its pages) per window. */
export interface SyncWindow {
  from: number;
  to: number;
}

/** An EventBridge Scheduler expression: `rate(15 minutes)` or `cron(0 3 * * ? *)` (UTC). */
export type ScheduleExpression =
  | `rate(${number} ${'minute' | 'minutes' | 'hour' | 'hours' | 'day' | 'days'})`
  | `cron(${string})`;

/** What a poll stores for one valid record. */
export interface PolledRecord {
  /** Stable across fetches: re-fetching the same entity finds the same item (dedupe). */
  key: string;
  /** The provider's own version (its updated-at, epoch ms) when it has one: nothing older overwrites it. */
  version?: number;
  /** What is stored; its content hash decides whether a re-fetch writes. */
  data: Record<string, unknown>;
}

/**
 * One scheduled sync of a list endpoint: the poller reads its checkpoint, plans windows, pages through
 * each with the client, validates, and writes what changed. See README, "Scheduled sync and backfill".
 */
export interface PollSpec<T = unknown> {
  /** Lower-case, URL-safe; with the provider's name it names the schedule, checkpoint and gaps. */
  name: string;
  description?: string;
  schedule: ScheduleExpression;
  /** The record type in the records table (`<provider>#<type>#<key>`). */
  type: string;
  /** The request for one window; the paginator adds its page parameters. */
  request(window: SyncWindow): ClientRequest;
  /** How the endpoint pages; `recordsPath` says where the records are. */
  pagination: PaginationSpec;
  /** Invalid records are quarantined, an invalid envelope fails the page (`malformed_response`). */
  schema: PageSchema<T>;
  /** Maps one valid record to its stable key, version and stored data. */
  record(record: T): PolledRecord;
  window: {
    /** Width of one window (one day for API-Football's `date`). */
    sizeMs: number;
    /** The first run starts here (ISO date or date-time, UTC); windows are aligned to it. */
    start: string;
    /** Each run re-fetches this much before now: providers correct recent data (scores, statuses). Default 0. */
    lookbackMs?: number;
    /** And this much after now (upcoming fixtures). Default 0. */
    aheadMs?: number;
  };
  /** Gaps retried per run, oldest first, before new windows (default 5). */
  gapsPerRun?: number;
  /** The poller Lambda's timeout (default 300 s); the client's deadline is the remaining time minus its safety margin. */
  timeoutSeconds?: number;
}
