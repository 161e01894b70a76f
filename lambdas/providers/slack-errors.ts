import { retryAfterMs } from '../core/client/retry-after';
import type { ResponseProblem } from '../core/provider';
import { pick, pickString } from './payload';

/** Slack's throttling spellings: HTTP 429 `ratelimited` (Web API), HTTP 200 `rate_limited` (chat.postMessage). */
const RATE_LIMITED = new Set(['ratelimited', 'rate_limited']);
const AUTH = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'ekm_access_denied',
]);
/** "It's possible some aspect of the operation succeeded before the error was raised": an unknown outcome. */
const MAYBE_DONE = new Set(['fatal_error', 'internal_error', 'service_unavailable', 'request_timeout']);

/**
 * Slack's Web API answers its errors with HTTP 200 and `{ ok: false, error }` (docs.slack.dev/apis/web-api):
 * throttling is a rate limit (when the answer is a 429, its Retry-After is when to come back); a bad, revoked
 * or underscoped token is `auth`; `fatal_error`, `internal_error` and the like may have done what was asked, so
 * they are retryable (a write looks before it posts again); any other error (`channel_not_found`,
 * `not_in_channel`, `msg_too_long`, `invalid_arguments`, ...) is permanent.
 *
 * @example
 * slackProblem({ status: 200, headers: {}, body: { ok: false, error: 'channel_not_found' } }, now) // { kind: 'permanent', message: 'slack: channel_not_found' }
 */
export function slackProblem(
  res: { status: number; headers: Record<string, string>; body: unknown },
  now: number,
): ResponseProblem | undefined {
  if (pick(res.body, 'ok') !== false) return undefined;
  const error = pickString(res.body, 'error') ?? 'unknown_error';
  const message = `slack: ${error}`;
  if (RATE_LIMITED.has(error)) {
    const wait = retryAfterMs(res.headers['retry-after'], now);
    return { kind: 'rate_limited', message, ...(wait === undefined ? {} : { resumeAt: now + wait }) };
  }
  if (AUTH.has(error)) return { kind: 'auth', message };
  if (MAYBE_DONE.has(error)) return { kind: 'retryable', message: `${message} (it may have been carried out)` };
  return { kind: 'permanent', message };
}
