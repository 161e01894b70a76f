import { bulkhead, BrokenCircuitError, IsolatedCircuitError } from 'cockatiel';
import { IntegrationError, type ErrorKind } from '../errors';
import type { SecretStore } from '../ports';
import type { PaginationSpec, ProviderDefinition } from '../../providers/types';
import { apiNotice } from './api-notice';
import { circuitStateName, providerBreaker } from './breaker';
import { attemptOnce, requestIdHeaders, type AttemptParts, type AttemptResult } from './attempt';
import { CORRELATION_HEADER, credentialScrubber } from './build-request';
import { OAuthTokens, type OAuthTokensOptions } from './oauth-token';
import { paginatePages, type PaginateOptions } from './paginate';
import { nextUtcMidnight, rateLimitState } from './rate-limit-headers';
import { Redactor } from './redact';
import { apiBase, fillPlaceholders, operationOf, tokenEndpoint } from './request-url';
import { callDeadline, mayRetry, nextStep, NO_RETRIES_YET, refusal, retryLimits } from './retry-policy';
import type { Time } from './time';
import { TokenBucket } from './token-bucket';
import type {
  AttemptEvent,
  CallContext,
  ClientEvent,
  ClientListener,
  ClientRequest,
  ClientResponse,
  PageResult,
  Result,
} from './types';

import { CLIENT_DEFAULTS } from './defaults';

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
 * const client = createClient({ definition: github, secrets, time: realTime, onEvent: telemetryObserver(telemetry, 'poller') });
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

function buildClient(deps: ClientDeps): ClientParts {
  const def = deps.definition;
  const { time } = deps;
  const doFetch = deps.fetch ?? globalThis.fetch;
  const listeners = new Set<ClientListener>([deps.onEvent ?? []].flat());
  const emit = (event: ClientEvent): void => {
    for (const l of listeners) {
      try {
        l(event);
      } catch {
        // an observer's failure never fails a call
      }
    }
  };
  const s = {
    attemptMs: def.timeouts?.attemptMs ?? CLIENT_DEFAULTS.attemptMs,
    callMs: def.timeouts?.callMs ?? CLIENT_DEFAULTS.callMs,
    safetyMarginMs: def.timeouts?.safetyMarginMs ?? CLIENT_DEFAULTS.safetyMarginMs,
  };
  const limits = retryLimits(def);
  const base = apiBase(def, deps.baseUrl);
  // A base URL may name a secret in braces (Shopify: `https://{shop}.myshopify.com`), filled once.
  let filled: Promise<string> | undefined;
  const filledBase = (): Promise<string> =>
    (filled ??= fillPlaceholders(base, (name) => deps.secrets.get(def.name, name)).catch((err: unknown) => {
      filled = undefined;
      throw err;
    }));
  const redactor = new Redactor();
  const bucket = new TokenBucket(time, def.rateLimit);
  const limitHeaders = def.rateLimit?.headers;
  // A spent daily quota (its remaining-requests header at 0): no call is sent before this (epoch ms).
  let quotaUntil = 0;
  const slots = bulkhead(def.concurrency ?? CLIENT_DEFAULTS.concurrency, Number.MAX_SAFE_INTEGER);
  const breaker = providerBreaker(def.circuitBreaker);
  breaker.onBreak(() => emit({ type: 'circuit', at: time.now(), provider: def.name, state: 'open' }));
  breaker.onHalfOpen(() => emit({ type: 'circuit', at: time.now(), provider: def.name, state: 'half-open' }));
  breaker.onReset(() => emit({ type: 'circuit', at: time.now(), provider: def.name, state: 'closed' }));
  const tokenUrl = tokenEndpoint(def, deps);
  if (tokenUrl && !deps.oauthTokens) throw new Error(`${def.name} uses OAuth: its client needs deps.oauthTokens`);
  const tokens =
    def.auth.kind === 'oauth2-client-credentials' && tokenUrl
      ? deps.oauthTokens!({
          provider: def.name,
          spec: def.auth,
          tokenUrl,
          secrets: deps.secrets,
          fetch: doFetch,
          time,
          redactor,
          attemptMs: s.attemptMs,
          emit,
        })
      : undefined;
  const scrub = credentialScrubber(def.auth);
  const attemptParts: AttemptParts = {
    def,
    secrets: deps.secrets,
    time,
    fetch: doFetch,
    redactor,
    tokens,
    baseUrl: filledBase,
    scrub,
    requestIdHeaders: requestIdHeaders(def),
  };

  /** Follows what a response says of the limits: the window's remaining requests, and a daily quota's. */
  function observeLimits(headers: Record<string, string>, now: number): void {
    const state = rateLimitState(headers, now, limitHeaders);
    // None left and no reset named (API-Football's per-minute limit): hold calls for the window, not a 200 ms refill.
    if (state.remaining === 0 && state.resetAt === undefined && limitHeaders?.windowMs)
      state.resetAt = now + limitHeaders.windowMs;
    bucket.observe(state);
    const daily = limitHeaders?.dailyRemaining ? headers[limitHeaders.dailyRemaining.toLowerCase()] : undefined;
    if (daily !== undefined && /^\s*-?\d+\s*$/.test(daily) && Number(daily) <= 0) quotaUntil = nextUtcMidnight(now);
  }

  async function request(req: ClientRequest, ctx: CallContext): Promise<Result<ClientResponse>> {
    const method = (req.method ?? 'GET').toUpperCase();
    const operation = req.operation ?? operationOf(req);
    const traceId = ctx.traceId;
    const deadline = callDeadline(time.now(), s, ctx.remainingMs);
    const retryable = mayRetry(method, Boolean(req.idempotencyKey && def.idempotencyKeyHeader));
    let attempt = 0;
    let spent = NO_RETRIES_YET;
    let last: IntegrationError | undefined;

    const error = (
      kind: ErrorKind,
      message: string,
      opts: { status?: number; requestId?: string; resumeAt?: number } = {},
    ): IntegrationError =>
      new IntegrationError(kind, redactor.text(`${def.name} ${operation}: ${message}`), { ...opts, attempts: attempt });
    const fail = (e: IntegrationError): Result<ClientResponse> => ({ ok: false, error: e });
    const endWithout = (kind: ErrorKind, message: string, resumeAt?: number): Result<ClientResponse> => {
      const e = last && kind === 'timeout' ? last : error(kind, message, { resumeAt });
      emit({
        type: 'call_ended',
        at: time.now(),
        provider: def.name,
        operation,
        traceId,
        attempt,
        errorCode: e.kind,
        errorMessage: e.message,
        resumeAt: e.resumeAt,
      });
      return fail(e);
    };

    for (;;) {
      const refused = refusal(time.now(), deadline, quotaUntil, limitHeaders?.dailyRemaining);
      if (refused) return endWithout(refused.kind, refused.message, refused.resumeAt);
      const sendAt = bucket.reserve();
      if (sendAt > deadline) {
        bucket.release();
        return endWithout('rate_limited', 'the client-side rate limit would pass the deadline', sendAt);
      }
      if (sendAt > time.now()) await time.sleep(sendAt - time.now());
      let r: AttemptResult | undefined;
      try {
        r = await slots.execute(() => {
          // Time queued for a slot counts: the attempt gets what is left of the deadline, if anything.
          const leftMs = deadline - time.now();
          if (leftMs <= 0) return undefined;
          return breaker.execute(() => {
            attempt += 1;
            return attemptOnce(attemptParts, req, method, traceId, Math.min(s.attemptMs, leftMs));
          });
        });
      } catch (err) {
        if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
          last = undefined;
          return endWithout('circuit_open', 'circuit open: failing fast');
        }
        throw err;
      }
      if (!r) {
        bucket.release();
        return endWithout('timeout', 'no time left before the deadline after waiting for a free slot');
      }
      const now = time.now();
      if (r.status !== undefined) observeLimits(r.headers, now);
      const facts = { ...r, tokenRefreshable: Boolean(tokens && r.token) };
      const step = nextStep(facts, spent, limits, { now, deadline, random: time.random }, retryable);
      if (step.next !== 'done') spent = step.state;
      if (step.next !== 'done' && step.resumeAt !== undefined) bucket.pauseUntil(step.resumeAt);
      if (step.next !== 'done' && step.quotaUntil !== undefined) quotaUntil = Math.max(quotaUntil, step.quotaUntil);
      if (step.next === 'retry' && step.refreshToken) tokens?.invalidate(r.token!);
      const waitMs = step.next === 'retry' ? step.waitMs : undefined;
      const resumeAt = step.next === 'done' ? undefined : step.resumeAt;

      const message = r.message ? redactor.text(r.message) : undefined;
      // Deprecation signals ride on any response, failed ones too, on the attempt they came with.
      const notice = r.status !== undefined && r.url ? apiNotice(r.headers, r.url, def.noticeHeaders) : undefined;
      const links = notice && {
        deprecation: notice.links.deprecation && redactor.text(notice.links.deprecation),
        sunset: notice.links.sunset && redactor.text(notice.links.sunset),
      };
      const event: AttemptEvent = {
        type: 'attempt',
        at: now,
        provider: def.name,
        operation,
        traceId,
        method,
        attempt,
        status: r.status,
        requestId: r.requestId,
        durationMs: r.durationMs,
        outcome: r.outcome,
        errorCode: r.kind,
        errorMessage: message,
        retrying: waitMs !== undefined,
        waitMs,
        ...(notice && links
          ? {
              notice: {
                ...notice,
                links,
                warnings: notice.warnings.map((w) => redactor.text(w)),
                notices: Object.fromEntries(Object.entries(notice.notices).map(([k, v]) => [k, redactor.text(v)])),
              },
            }
          : {}),
      };
      emit(event);
      if (step.next === 'done') {
        return {
          ok: true,
          value: {
            status: r.status!,
            headers: r.headers,
            body: r.body,
            requestId: r.requestId,
            attempts: attempt,
            url: r.url!,
          },
        };
      }
      const e = error(step.kind, message ?? 'failed', { status: r.status, requestId: r.requestId, resumeAt });
      if (step.next === 'give_up') return fail(e);
      last = e;
      if (step.waitMs > 0) await time.sleep(step.waitMs);
    }
  }

  const client: RequestClient = {
    provider: def.name,
    definition: def,
    request,
    circuitState: () => circuitStateName(breaker.state),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { client, emit, scrub };
}
