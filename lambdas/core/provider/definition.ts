import type { WritesSpec } from '../writes/types';
import type { PollSpec } from './poll';
import type { RecoverySpec } from './recover';
import type { WebhookSpec } from './webhook';

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

/** Where a provider reports its limits, when it does not use the common `X-RateLimit-*` / `RateLimit` names. */
export interface RateLimitHeaderNames {
  /** Requests left in the window (default `x-ratelimit-remaining`). */
  remaining?: string;
  /** When the window resets (default `x-ratelimit-reset`). */
  reset?: string;
  /**
   * How `reset` counts; `auto` (default) reads small numbers as seconds from now, large ones as epoch seconds or ms.
   */
  resetUnit?: 'auto' | 'delta-seconds' | 'epoch-seconds' | 'epoch-ms';
  /** The window of `remaining` when no reset header names its end: at 0 left, calls wait this long. */
  windowMs?: number;
  /**
   * A daily quota's remaining-requests header (resets at 00:00 UTC): at 0, calls fail `quota_exhausted` unsent until
   * then.
   */
  dailyRemaining?: string;
}

/**
 * Retries of the outbound client. Defaults: 200 ms base, 20 s cap, 4 attempts, 5 waits on 429 (5 s at least when it
 * names no time).
 */
export interface RetrySpec {
  baseMs?: number;
  capMs?: number;
  /** Attempts in all for transient failures (5xx, 408, timeouts, resets). */
  attempts?: number;
  /** How many times one call waits out a 429 before it returns `rate_limited`. */
  rateLimitWaits?: number;
  /** The first wait after a 429 that names no time (no Retry-After, no reset), doubled on each repeat (default 5 s). */
  minRateLimitWaitMs?: number;
  /**
   * Other statuses the provider documents as worth retrying (Stripe: 409, a concurrent request with the same
   * idempotency key).
   */
  retryStatuses?: number[];
}

/**
 * The per-provider circuit breaker. Defaults: 5 consecutive failures, or 50% of the last 20 calls (10 at least); probe
 * after 30 s.
 */
export interface CircuitBreakerSpec {
  consecutiveFailures?: number;
  failureRate?: number;
  window?: number;
  minimumCalls?: number;
  halfOpenAfterMs?: number;
}

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
  /**
   * Per attempt (default 8 s) and per call (default 60 s, never past the Lambda's remaining time minus
   * `safetyMarginMs`, default 2 s).
   */
  timeouts?: { attemptMs?: number; callMs?: number; safetyMarginMs?: number };
  retry?: RetrySpec;
  /** Calls in flight at once to this provider, per process (default 8). */
  concurrency?: number;
  circuitBreaker?: CircuitBreakerSpec;
  /**
   * Header that carries an idempotency key on writes (e.g. Stripe's `Idempotency-Key`); unset when the provider has
   * none.
   */
  idempotencyKeyHeader?: string;
  /** Response headers that carry the provider's request id, first found wins (common names are always tried). */
  requestIdHeaders?: string[];
  /**
   * The provider's error code in an error response body (Stripe: `error.code` or `error.type`), added to the error
   * message.
   */
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
  /**
   * Ways to fetch or redeliver the webhooks this provider could not deliver (its event log, its delivery log), each
   * on its own schedule, fed into the same queue and processor as a delivered webhook. See docs/recovery.md.
   */
  recover?: readonly RecoverySpec[];
}

/** An error a provider reported inside a success response, as the client should treat it. */
export interface ResponseProblem {
  kind: 'rate_limited' | 'quota_exhausted' | 'auth' | 'permanent' | 'retryable' | 'malformed_response';
  /** The provider's own words, for logs and gaps; never a credential. */
  message: string;
  /** When calls work again (epoch ms): a rate limit's reset, a daily quota's next day. */
  resumeAt?: number;
}
