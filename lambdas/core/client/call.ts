import { BrokenCircuitError, IsolatedCircuitError, type BulkheadPolicy, type CircuitBreakerPolicy } from 'cockatiel';
import { IntegrationError, type ErrorKind, type IntegrationErrorOptions } from '../errors';
import { apiNotice, type ApiNotice } from './api-notice';
import { attemptOnce, type AttemptParts, type AttemptResult } from './attempt';
import type { ProviderLimits } from './provider-limits';
import type { Redactor } from './redact';
import { operationOf } from './request-url';
import {
  callDeadline,
  mayRetry,
  nextStep,
  NO_RETRIES_YET,
  refusal,
  type RetryLimits,
  type RetryStep,
} from './retry-policy';
import type { AttemptEvent, CallContext, ClientListener, ClientRequest, ClientResponse, Result } from './types';

/** What a call needs of its client: what an attempt needs, and the parts all its calls share. */
export interface CallParts extends AttemptParts {
  emit: ClientListener;
  retry: RetryLimits;
  limits: ProviderLimits;
  slots: BulkheadPolicy;
  breaker: CircuitBreakerPolicy;
}

/** One call in progress. */
interface Call {
  req: ClientRequest;
  method: string;
  operation: string;
  traceId: string;
  deadline: number;
  /** The call may be sent more than once (mayRetry). */
  retryable: boolean;
  attempts: number;
  /** The error of the last attempt that was to be retried: a call that then runs out of time ends with it. */
  last?: IntegrationError;
}

const callError = (
  parts: CallParts,
  call: Call,
  kind: ErrorKind,
  message: string,
  opts: IntegrationErrorOptions = {},
) =>
  new IntegrationError(kind, parts.redactor.text(`${parts.def.name} ${call.operation}: ${message}`), {
    ...opts,
    attempts: call.attempts,
  });

/** Ends a call that sends no (further) attempt, and says so to observers. */
function endWithout(
  parts: CallParts,
  call: Call,
  kind: ErrorKind,
  message: string,
  resumeAt?: number,
): IntegrationError {
  const e = call.last && kind === 'timeout' ? call.last : callError(parts, call, kind, message, { resumeAt });
  parts.emit({
    type: 'call_ended',
    at: parts.time.now(),
    provider: parts.def.name,
    operation: call.operation,
    traceId: call.traceId,
    attempt: call.attempts,
    errorCode: e.kind,
    errorMessage: e.message,
    resumeAt: e.resumeAt,
  });
  return e;
}

/**
 * One attempt through the gates (deadline and quota, the rate limit's pace, a bulkhead slot, the breaker), or the error
 * the call ends with.
 */
async function sendOne(parts: CallParts, call: Call): Promise<AttemptResult | IntegrationError> {
  const { time, limits } = parts;
  const refused = refusal(time.now(), call.deadline, limits.quotaUntil, parts.retry.rateLimitHeaders?.dailyRemaining);
  if (refused) return endWithout(parts, call, refused.kind, refused.message, refused.resumeAt);
  const sendAt = limits.bucket.reserve();
  if (sendAt > call.deadline) {
    limits.bucket.release();
    return endWithout(parts, call, 'rate_limited', 'the client-side rate limit would pass the deadline', sendAt);
  }
  if (sendAt > time.now()) await time.sleep(sendAt - time.now());
  let r: AttemptResult | undefined;
  try {
    r = await parts.slots.execute(() => {
      // Time queued for a slot counts: the attempt gets what is left of the deadline, if anything.
      const leftMs = call.deadline - time.now();
      if (leftMs <= 0) return undefined;
      return parts.breaker.execute(() => {
        call.attempts += 1;
        return attemptOnce(parts, call.req, call.method, call.traceId, Math.min(parts.retry.attemptMs, leftMs));
      });
    });
  } catch (err) {
    if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError)
      return endWithout(parts, call, 'circuit_open', 'circuit open: failing fast');
    throw err;
  }
  if (r) return r;
  limits.bucket.release();
  return endWithout(parts, call, 'timeout', 'no time left before the deadline after waiting for a free slot');
}

/** A deprecation notice with every text passed through the redactor. */
function redactedNotice(notice: ApiNotice, redactor: Redactor): ApiNotice {
  return {
    ...notice,
    links: {
      deprecation: notice.links.deprecation && redactor.text(notice.links.deprecation),
      sunset: notice.links.sunset && redactor.text(notice.links.sunset),
    },
    warnings: notice.warnings.map((w) => redactor.text(w)),
    notices: Object.fromEntries(Object.entries(notice.notices).map(([key, v]) => [key, redactor.text(v)])),
  };
}

function attemptEvent(parts: CallParts, call: Call, r: AttemptResult, at: number, step: RetryStep): AttemptEvent {
  // Deprecation signals ride on any response, failed ones too, on the attempt they came with.
  const notice = r.status !== undefined && r.url ? apiNotice(r.headers, r.url, parts.def.noticeHeaders) : undefined;
  const waitMs = step.next === 'retry' ? step.waitMs : undefined;
  return {
    type: 'attempt',
    at,
    provider: parts.def.name,
    operation: call.operation,
    traceId: call.traceId,
    method: call.method,
    attempt: call.attempts,
    status: r.status,
    requestId: r.requestId,
    durationMs: r.durationMs,
    outcome: r.outcome,
    errorCode: r.kind,
    errorMessage: r.message ? parts.redactor.text(r.message) : undefined,
    retrying: waitMs !== undefined,
    waitMs,
    ...(notice ? { notice: redactedNotice(notice, parts.redactor) } : {}),
  };
}

/**
 * One call with retries: attempts through the gates, each outcome judged by the retry policy, every attempt
 * reported as an event; resolves to the response or a classified error, never rejects for a provider's failure.
 *
 * @example
 * const res = await callWithRetries(parts, { path: '/v1/items/1' }, { traceId, remainingMs });
 */
export async function callWithRetries(
  parts: CallParts,
  req: ClientRequest,
  ctx: CallContext,
): Promise<Result<ClientResponse>> {
  const { time, limits, tokens } = parts;
  const method = (req.method ?? 'GET').toUpperCase();
  const keyed = Boolean(req.idempotencyKey && parts.def.idempotencyKeyHeader);
  const call: Call = {
    req,
    method,
    operation: req.operation ?? operationOf(req),
    traceId: ctx.traceId,
    deadline: callDeadline(time.now(), parts.retry, ctx.remainingMs),
    retryable: mayRetry(method, keyed),
    attempts: 0,
  };
  let spent = NO_RETRIES_YET;
  for (;;) {
    const r = await sendOne(parts, call);
    if (r instanceof IntegrationError) return { ok: false, error: r };
    const now = time.now();
    if (r.status !== undefined) limits.observe(r.headers, now);
    const facts = { ...r, tokenRefreshable: Boolean(tokens && r.token) };
    const step = nextStep(
      facts,
      spent,
      parts.retry,
      { now, deadline: call.deadline, random: time.random },
      call.retryable,
    );
    if (step.next !== 'done') {
      spent = step.state;
      limits.hold(step.resumeAt, step.quotaUntil);
    }
    if (step.next === 'retry' && step.refreshToken) tokens?.invalidate(r.token!);
    const event = attemptEvent(parts, call, r, now, step);
    parts.emit(event);
    if (step.next === 'done') {
      const { status, headers, body, requestId, url } = r;
      return { ok: true, value: { status: status!, headers, body, requestId, attempts: call.attempts, url: url! } };
    }
    const opts = { status: r.status, requestId: r.requestId, resumeAt: step.resumeAt };
    const e = callError(parts, call, step.kind, event.errorMessage ?? 'failed', opts);
    if (step.next === 'give_up') return { ok: false, error: e };
    call.last = e;
    if (step.waitMs > 0) await time.sleep(step.waitMs);
  }
}
