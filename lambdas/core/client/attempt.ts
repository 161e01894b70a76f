import { IntegrationError, type ErrorKind } from '../errors';
import { normalizeHeaders } from '../headers';
import type { SecretStore } from '../ports';
import type { ProviderDefinition } from '../provider';
import { buildRequest, type OutgoingRequest } from './build-request';
import { classifyProblem, classifyResponse, classifyThrown, type Classified } from './classify';
import { credentials, type Credentials } from './credentials';
import type { OAuthTokens } from './oauth-token';
import { judgeBody } from './read-body';
import type { Redactor } from './redact';
import type { Time } from './time';
import type { AttemptOutcome, ClientRequest } from './types';
import { untilAborted } from './until-aborted';

const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'x-github-request-id', 'x-amzn-requestid', 'cf-ray'];

/** How one attempt ended, with what the retry policy, the breaker and the caller read of it. */
export interface AttemptResult extends Classified {
  status?: number;
  headers: Record<string, string>;
  body?: unknown;
  requestId?: string;
  durationMs: number;
  url?: string;
  /** The OAuth token it sent, to renew after a 401. */
  token?: string;
}

/** What an attempt needs of its client: the definition, credentials and the means to send. */
export interface AttemptParts {
  def: ProviderDefinition;
  secrets: SecretStore;
  time: Time;
  fetch: typeof fetch;
  redactor: Redactor;
  tokens?: OAuthTokens;
  /** The base URL with its placeholders filled. */
  baseUrl(): Promise<string>;
  /** Removes query credentials from a URL. */
  scrub(href: string): string;
  /** Lower-cased names, the provider's first. */
  requestIdHeaders: string[];
}

/**
 * The response headers that may carry a request id: the provider's own names, then the common ones.
 *
 * @example
 * requestIdHeaders(stripe) // ['request-id', 'x-request-id', ...]
 */
export function requestIdHeaders(def: Pick<ProviderDefinition, 'requestIdHeaders'>): string[] {
  return [...(def.requestIdHeaders ?? []).map((h) => h.toLowerCase()), ...REQUEST_ID_HEADERS];
}

/** A provider error code fit for a log line: short, plain characters only. */
function safeCode(code: unknown): string | undefined {
  return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : undefined;
}

const CREDENTIAL_OUTCOME: Partial<Record<ErrorKind, AttemptOutcome>> = {
  retryable: 'retryable',
  timeout: 'timeout',
  malformed_response: 'malformed',
};

/** A credential or base-URL read that failed: its own kind when it says one, else `auth`; never the breaker's. */
function credentialFailure(err: unknown, aborted: boolean): Classified & { status?: number } {
  if (aborted && !(err instanceof IntegrationError))
    return {
      outcome: 'timeout',
      kind: 'timeout',
      message: 'attempt timed out reading credentials',
      breakerFailure: false,
    };
  if (!(err instanceof IntegrationError))
    return { outcome: 'auth', kind: 'auth', message: 'credentials unavailable', breakerFailure: false };
  const outcome = CREDENTIAL_OUTCOME[err.kind] ?? 'auth';
  return { outcome, kind: err.kind, message: err.message, status: err.status, breakerFailure: false };
}

// The provider's hook reads errors a success status hides (API-Football's `errors` object) and statuses of its own (its
// 499).
function inspected(
  def: ProviderDefinition,
  now: number,
  res: { status: number; headers: Record<string, string>; body: unknown },
): Classified | undefined {
  try {
    const problem = def.inspectResponse!(res, now);
    return problem ? classifyProblem(problem) : undefined;
  } catch {
    return {
      outcome: 'malformed',
      kind: 'malformed_response',
      message: `${res.status} with a body the provider's inspectResponse could not read`,
      breakerFailure: false,
    };
  }
}

/** A response, classified: by status and body, then by the provider's hook and its error code. */
function judgeResponse(
  def: ProviderDefinition,
  now: number,
  status: number,
  headers: Record<string, string>,
  text: string,
): Classified & { body?: unknown } {
  const verdict = judgeBody(text, headers['content-type']);
  const body = verdict.kind === 'json' ? verdict.body : undefined;
  let c = classifyResponse(status, verdict, def.retry?.retryStatuses);
  const readable = verdict.kind === 'json' || verdict.kind === 'empty';
  if (
    def.inspectResponse &&
    readable &&
    (c.outcome === 'ok' || c.outcome === 'permanent' || c.outcome === 'rate_limited')
  ) {
    const hook = inspected(def, now, { status, headers, body });
    // A 429 stays a rate limit whatever else its body says: the hook may only say when it ends, or that a quota is
    // spent.
    if (hook && (c.outcome !== 'rate_limited' || hook.outcome === 'rate_limited')) c = hook;
  }
  // The provider's own error code (Stripe's `idempotency_error`) names the cause in logs and DLQ reasons.
  const code = c.outcome !== 'ok' && verdict.kind === 'json' ? safeCode(def.errorCode?.(verdict.body)) : undefined;
  if (code) c.message = `${c.message} (${code})`;
  return { ...c, body };
}

/**
 * One HTTP attempt, bounded by `timeoutMs` from the credential reads to the last byte of the body; never throws
 * for a provider's failure, it classifies it.
 *
 * @example
 * const r = await attemptOnce(parts, { path: '/v1/items' }, 'GET', traceId, 8000);
 * if (r.outcome === 'ok') use(r.body);
 */
export async function attemptOnce(
  parts: AttemptParts,
  req: ClientRequest,
  method: string,
  traceId: string,
  timeoutMs: number,
): Promise<AttemptResult> {
  const { def, time } = parts;
  const started = time.now();
  const took = () => time.now() - started;
  // One signal bounds the whole attempt: secret reads, the OAuth token, the request and its body.
  const signal = time.timeout(timeoutMs);
  let creds: Credentials;
  let out: OutgoingRequest;
  try {
    creds = await untilAborted(
      credentials(def.name, def.auth, parts.secrets, parts.redactor, parts.tokens, signal),
      signal,
    );
    const baseUrl = await untilAborted(parts.baseUrl(), signal);
    try {
      out = buildRequest(def, baseUrl, req, method, traceId, creds);
    } catch (err) {
      const message = (err as Error).message;
      return {
        outcome: 'permanent',
        kind: 'permanent',
        message,
        breakerFailure: false,
        headers: {},
        durationMs: took(),
      };
    }
  } catch (err) {
    return { ...credentialFailure(err, signal.aborted), headers: {}, durationMs: took() };
  }
  const url = parts.scrub(out.url.toString());
  let res: Response;
  let text: string;
  try {
    res = await parts.fetch(out.url, { ...out.init, signal, redirect: 'manual' });
    text = await res.text();
  } catch (err) {
    return { ...classifyThrown(err), headers: {}, durationMs: took(), url, token: creds.token };
  }
  const headers = normalizeHeaders(Object.fromEntries(res.headers));
  const c = judgeResponse(def, time.now(), res.status, headers, text);
  return {
    ...c,
    status: res.status,
    headers,
    requestId: parts.requestIdHeaders.map((h) => headers[h]).find((v) => v !== undefined),
    durationMs: took(),
    url,
    token: creds.token,
  };
}
