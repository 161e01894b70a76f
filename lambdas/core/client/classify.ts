import type { ErrorKind } from '../errors';
import type { BodyVerdict } from './read-body';
import type { ResponseProblem } from '../provider';
import type { AttemptOutcome } from './types';

export interface Classified {
  outcome: AttemptOutcome;
  /** The error kind the call ends with if it stops here. */
  kind?: ErrorKind;
  message?: string;
  /** Counts against the provider's circuit breaker. */
  breakerFailure: boolean;
  /** When the provider says calls work again (epoch ms), from a body the provider's `inspectResponse` read. */
  resumeAt?: number;
}

const RETRYABLE = new Set([408, 500, 502, 503, 504]);

/**
 * The retry rules, by status and body: 429 waits what the provider says; 408/500/502/503/504 back off;
 * other 4xx are permanent (401 is `auth`) unless the provider documents them as retryable (`extraRetryable`,
 * e.g. Stripe's 409 for a concurrent request with the same idempotency key); a body that is not JSON is
 * `malformed_response`.
 *
 * @example
 * classifyResponse(503, { kind: 'json', body: {} }) // { outcome: 'retryable', kind: 'retryable', breakerFailure: true }
 * classifyResponse(409, { kind: 'json', body: {} }, [409]) // { outcome: 'retryable', kind: 'retryable', breakerFailure: false }
 */
export function classifyResponse(
  status: number,
  body: BodyVerdict,
  extraRetryable: readonly number[] = [],
): Classified {
  const notJson = body.kind === 'html' || body.kind === 'malformed';
  const what = body.kind === 'html' ? 'an HTML page' : 'a body that is not JSON';
  if (status >= 200 && status < 300) {
    return notJson
      ? { outcome: 'malformed', kind: 'malformed_response', message: `${status} with ${what}`, breakerFailure: false }
      : { outcome: 'ok', breakerFailure: false };
  }
  if (status === 429)
    return { outcome: 'rate_limited', kind: 'rate_limited', message: 'rate limited (429)', breakerFailure: false };
  if (status === 401) return { outcome: 'auth', kind: 'auth', message: 'unauthorized (401)', breakerFailure: false };
  if (RETRYABLE.has(status) || (status >= 500 && status !== 501 && status !== 505)) {
    if (notJson && status >= 500)
      return {
        outcome: 'malformed',
        kind: 'malformed_response',
        message: `${status} with ${what}`,
        breakerFailure: true,
      };
    return {
      outcome: 'retryable',
      kind: 'retryable',
      message: `provider answered ${status}`,
      breakerFailure: status >= 500,
    };
  }
  if (extraRetryable.includes(status))
    return { outcome: 'retryable', kind: 'retryable', message: `provider answered ${status}`, breakerFailure: false };
  if (status >= 300 && status < 400)
    return {
      outcome: 'permanent',
      kind: 'permanent',
      message: `unexpected redirect (${status})`,
      breakerFailure: false,
    };
  return { outcome: 'permanent', kind: 'permanent', message: `provider answered ${status}`, breakerFailure: false };
}

/**
 * A thrown fetch: our own timeout, or a network failure (reset, refused, closed mid-body).
 *
 * @example
 * classifyThrown(new DOMException('The operation timed out.', 'TimeoutError')) // { outcome: 'timeout', kind: 'timeout', ... }
 */
export function classifyThrown(err: unknown): Classified {
  const name = (err as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return { outcome: 'timeout', kind: 'timeout', message: 'attempt timed out', breakerFailure: true };
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const detail = cause?.code ?? cause?.message ?? (err as Error | undefined)?.message ?? 'unknown';
  return { outcome: 'network', kind: 'retryable', message: `network error: ${detail}`, breakerFailure: true };
}

/**
 * A 2xx JSON body the provider's `inspectResponse` says is an error (errors-in-200, as API-Football
 * answers): classified as the hook says. A hook that throws makes the body `malformed_response`.
 *
 * @example
 * classifyProblem({ kind: 'rate_limited', message: 'rateLimit: Too many requests' }) // { outcome: 'rate_limited', ... }
 */
export function classifyProblem(problem: ResponseProblem): Classified {
  const base = { kind: problem.kind, message: problem.message, resumeAt: problem.resumeAt };
  switch (problem.kind) {
    case 'rate_limited':
    case 'quota_exhausted':
      return { ...base, outcome: 'rate_limited', breakerFailure: false };
    case 'auth':
      return { ...base, outcome: 'auth', breakerFailure: false };
    case 'retryable':
      return { ...base, outcome: 'retryable', breakerFailure: true };
    case 'malformed_response':
      return { ...base, outcome: 'malformed', breakerFailure: false };
    case 'permanent':
      return { ...base, outcome: 'permanent', breakerFailure: false };
  }
}
