import { bulkhead, type CircuitBreakerPolicy } from 'cockatiel';
import type { SecretStore } from '../ports';
import type { PaginationSpec, ProviderDefinition } from '../provider';
import { requestIdHeaders } from './attempt';
import { circuitStateName, providerBreaker } from './breaker';
import { CORRELATION_HEADER, credentialScrubber } from './build-request';
import { callWithRetries, type CallParts } from './call';
import { CLIENT_DEFAULTS } from './defaults';
import { OAuthTokens, type OAuthTokensOptions } from './oauth-token';
import { paginatePages, type PaginateOptions } from './paginate';
import { ProviderLimits } from './provider-limits';
import { Redactor } from './redact';
import { apiBase, fillPlaceholders, tokenEndpoint } from './request-url';
import { retryLimits } from './retry-policy';
import type { Time } from './time';
import type {
  CallContext,
  ClientEvent,
  ClientListener,
  ClientRequest,
  ClientResponse,
  PageResult,
  Result,
} from './types';

export { CLIENT_DEFAULTS, CORRELATION_HEADER };

export interface ClientDeps {
  definition: ProviderDefinition;
  secrets: SecretStore;
  time: Time;
  fetch?: typeof fetch;
  /** Overrides the definition's base URL (the handler reads `<PROVIDER>_BASE_URL` and passes it here). */
  baseUrl?: string;
  /** Overrides the OAuth token endpoint (`<PROVIDER>_TOKEN_URL`). */
  tokenUrl?: string;
  onEvent?: ClientListener | ClientListener[];
  /**
   * Builds an OAuth provider's token cache. `createClient` defaults to OAuthTokens; `createRequestClient` has no
   * default, so a bundle that never passes it (its provider uses no OAuth) leaves that code out.
   */
  oauthTokens?: (options: OAuthTokensOptions) => OAuthTokens;
}

/** A client that only sends calls (the command writer's): no pagination, so its bundle holds none. */
export interface RequestClient {
  readonly provider: string;
  readonly definition: ProviderDefinition;
  /** One call with retries, waits and the breaker; resolves to a value or a classified error, never rejects. */
  request(req: ClientRequest, ctx: CallContext): Promise<Result<ClientResponse>>;
  circuitState(): 'closed' | 'open' | 'half-open';
  /** Adds an observer; returns a function that removes it. */
  onEvent(listener: ClientListener): () => void;
}

export interface Client extends RequestClient {
  /** Walks a list endpoint (see paginatePages); each page is one `request` with the same rules. */
  paginate<T = unknown>(
    req: ClientRequest,
    spec: PaginationSpec,
    ctx: CallContext,
    opts?: PaginateOptions<T>,
  ): AsyncGenerator<PageResult<T>>;
}

/** A request client and what pagination needs of its insides: its event stream and its credential scrubber. */
interface ClientParts {
  client: RequestClient;
  emit: ClientListener;
  scrub: (href: string) => string;
}

/**
 * The outbound client of one provider, built from its definition: auth, pinned version, correlation
 * and idempotency headers, per-attempt timeout and call deadline, retries by the provider's rules,
 * rate shaping, a bulkhead and a circuit breaker. Build it once per provider per process and reuse it:
 * the bucket, bulkhead, breaker and token cache live in it.
 *
 * @example
 * const client = createClient({ definition: github, secrets, time: realTime, onEvent: telemetryObserver(telemetry) });
 * const res = await client.request({ path: '/repos/o/r/issues', query: { state: 'all' } }, { traceId, remainingMs: () => context.getRemainingTimeInMillis() });
 * if (!res.ok) switch (res.error.kind) { case 'rate_limited': checkpoint(res.error.resumeAt); ... }
 */
export function createClient(deps: ClientDeps): Client {
  const { client, emit, scrub } = buildClient({
    ...deps,
    oauthTokens: deps.oauthTokens ?? ((o) => new OAuthTokens(o)),
  });
  return {
    ...client,
    paginate: (req, spec, ctx, opts) =>
      paginatePages(
        { provider: client.provider, request: client.request, emit, now: () => deps.time.now(), scrub },
        req,
        spec,
        ctx,
        opts,
      ),
  };
}

/**
 * The same client without `paginate`, for code that never lists (the command writer): its bundle leaves
 * pagination and page validation out, and OAuth unless `deps.oauthTokens` is given.
 *
 * @example
 * const client = createRequestClient({ definition: stripe, secrets, time: realTime, onEvent: telemetryObserver(telemetry) });
 * const res = await client.request({ method: 'POST', path: '/v1/customers', form: { email }, idempotencyKey }, { traceId });
 */
export function createRequestClient(deps: ClientDeps): RequestClient {
  return buildClient(deps).client;
}

/** Calls each observer; an observer's failure never fails a call. */
function eventStream(initial: ClientDeps['onEvent']): { emit: ClientListener; listeners: Set<ClientListener> } {
  const listeners = new Set<ClientListener>([initial ?? []].flat());
  const emit = (event: ClientEvent): void => {
    for (const l of listeners) {
      try {
        l(event);
      } catch {
        // the call goes on
      }
    }
  };
  return { emit, listeners };
}

/** The base URL with its secret placeholders filled (Shopify: `https://{shop}.myshopify.com`), once. */
function filledBaseUrl(deps: ClientDeps): () => Promise<string> {
  const def = deps.definition;
  const base = apiBase(def, deps.baseUrl);
  let filled: Promise<string> | undefined;
  return () =>
    (filled ??= fillPlaceholders(base, (name) => deps.secrets.get(def.name, name)).catch((err: unknown) => {
      filled = undefined;
      throw err;
    }));
}

/** The provider's circuit breaker, its state changes reported as events. */
function watchedBreaker(deps: ClientDeps, emit: ClientListener): CircuitBreakerPolicy {
  const provider = deps.definition.name;
  const breaker = providerBreaker(deps.definition.circuitBreaker);
  const report = (state: 'open' | 'half-open' | 'closed') => () =>
    emit({ type: 'circuit', at: deps.time.now(), provider, state });
  breaker.onBreak(report('open'));
  breaker.onHalfOpen(report('half-open'));
  breaker.onReset(report('closed'));
  return breaker;
}

/** An OAuth provider's token cache (undefined for other auth kinds). */
function tokenCache(deps: ClientDeps, redactor: Redactor, emit: ClientListener, attemptMs: number) {
  const def = deps.definition;
  const tokenUrl = tokenEndpoint(def, deps);
  if (def.auth.kind !== 'oauth2-client-credentials' || !tokenUrl) return undefined;
  if (!deps.oauthTokens) throw new Error(`${def.name} uses OAuth: its client needs deps.oauthTokens`);
  const fetch = deps.fetch ?? globalThis.fetch;
  const { secrets, time } = deps;
  return deps.oauthTokens({
    provider: def.name,
    spec: def.auth,
    tokenUrl,
    secrets,
    fetch,
    time,
    redactor,
    attemptMs,
    emit,
  });
}

/** Builds the parts a client shares across its calls (bucket, bulkhead, breaker, token cache) and the client. */
function buildClient(deps: ClientDeps): ClientParts {
  const { definition: def, time } = deps;
  const { emit, listeners } = eventStream(deps.onEvent);
  const redactor = new Redactor();
  const retry = retryLimits(def);
  const tokens = tokenCache(deps, redactor, emit, retry.attemptMs);
  const scrub = credentialScrubber(def.auth);
  const breaker = watchedBreaker(deps, emit);
  const parts: CallParts = {
    def,
    secrets: deps.secrets,
    time,
    fetch: deps.fetch ?? globalThis.fetch,
    redactor,
    tokens,
    baseUrl: filledBaseUrl(deps),
    scrub,
    requestIdHeaders: requestIdHeaders(def),
    emit,
    retry,
    limits: new ProviderLimits(time, def.rateLimit),
    slots: bulkhead(def.concurrency ?? CLIENT_DEFAULTS.concurrency, Number.MAX_SAFE_INTEGER),
    breaker,
  };
  const client: RequestClient = {
    provider: def.name,
    definition: def,
    request: (req, ctx) => callWithRetries(parts, req, ctx),
    circuitState: () => circuitStateName(breaker.state),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { client, emit, scrub };
}
