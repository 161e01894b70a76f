import type { DriftCount } from '../schema-drift';
import type { IntegrationError } from '../errors';
import type { ApiNotice } from './api-notice';

/**
 * What one call sends. `path` is relative to the base URL (and version path), or an absolute URL on the same origin.
 */
export interface ClientRequest {
  method?: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded (Stripe, Trello). */
  form?: Record<string, string>;
  /**
   * Endpoint name for logs and metrics (low cardinality, no ids), e.g. `GET /v1/customers`; default method and path.
   */
  operation?: string;
  /** Sent in the provider's idempotency header; makes a non-idempotent method safe to retry. */
  idempotencyKey?: string;
}

/**
 * Who is calling: the trace id travels as `X-Correlation-Id`; the deadline never passes the Lambda's remaining time.
 */
export interface CallContext {
  traceId: string;
  /** The Lambda's `context.getRemainingTimeInMillis`; the call ends a safety margin before it. */
  remainingMs?: () => number;
}

export interface ClientResponse {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON; undefined for an empty body. */
  body: unknown;
  requestId?: string;
  attempts: number;
  /** The URL that answered, without credential query parameters. */
  url: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: IntegrationError };

/** How one attempt ended. */
export type AttemptOutcome =
  | 'ok'
  | 'rate_limited'
  | 'retryable'
  | 'timeout'
  | 'network'
  | 'malformed'
  | 'auth'
  | 'permanent';

/** One HTTP attempt, as observers see it; every text field is already sanitised. */
export interface AttemptEvent {
  type: 'attempt';
  at: number;
  provider: string;
  operation: string;
  traceId: string;
  method: string;
  attempt: number;
  status?: number;
  requestId?: string;
  durationMs: number;
  outcome: AttemptOutcome;
  /** The error kind this attempt would end the call with. */
  errorCode?: string;
  errorMessage?: string;
  /** The client will try again after `waitMs`. */
  retrying: boolean;
  waitMs?: number;
  /**
   * The response said its endpoint is deprecated, has a sunset date, or carried a warning or a provider's notice
   * header.
   */
  notice?: ApiNotice;
}

/** A call that ended without (another) attempt: open circuit, no time left, a rate-limit wait past the deadline. */
export interface CallEndedEvent {
  type: 'call_ended';
  at: number;
  provider: string;
  operation: string;
  traceId: string;
  attempt: number;
  errorCode: string;
  errorMessage: string;
  resumeAt?: number;
}

export interface CircuitEvent {
  type: 'circuit';
  at: number;
  provider: string;
  state: 'open' | 'half-open' | 'closed';
}

export interface TokenEvent {
  type: 'token';
  at: number;
  provider: string;
  ok: boolean;
  status?: number;
  durationMs: number;
  errorCode?: string;
}

export interface PageEvent {
  type: 'page';
  at: number;
  provider: string;
  operation: string;
  traceId: string;
  /** 1-based within this run. */
  page: number;
  position: PagePosition;
  records: number;
  quarantined: number;
  stop?: StopReason;
  errorCode?: string;
  errorMessage?: string;
}

export type ClientEvent = AttemptEvent | CallEndedEvent | CircuitEvent | TokenEvent | PageEvent;
export type ClientListener = (event: ClientEvent) => void;

/** Where a page starts: enough to resume a run there (checkpoints store it). */
export interface PagePosition {
  page?: number;
  offset?: number;
  cursor?: string;
  url?: string;
}

/** Why pagination stopped: the provider said so, a page was empty, it repeated itself, or the cap was hit. */
export type StopReason = 'end' | 'empty' | 'repeat' | 'max_pages';

export interface Quarantined {
  /** Index within its page. */
  index: number;
  record: unknown;
  /** Which field failed and how (zod path and code); never the value. */
  reason: string;
}

export interface Page<T = unknown> {
  number: number;
  position: PagePosition;
  records: T[];
  quarantined: Quarantined[];
  /** Fields and enum values the valid records carried that the record schema does not know (see schema-drift.ts). */
  drift?: DriftCount[];
  response: ClientResponse;
  /**
   * Where the next page starts; undefined on the last page (kept when `max_pages` stopped the run, to resume there).
   */
  next?: PagePosition;
  /** On the last page: why it is the last. */
  stop?: StopReason;
}

export type PageResult<T = unknown> =
  | { ok: true; page: Page<T> }
  | { ok: false; error: IntegrationError; number: number; position: PagePosition };
