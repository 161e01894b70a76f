import type { ErrorKind } from '../errors';
import type { ProviderDefinition, RateLimitHeaderNames } from '../provider';
import { backoffMs } from './backoff';
import { CLIENT_DEFAULTS } from './defaults';
import { rateLimitState } from './rate-limit-headers';
import { retryAfterMs } from './retry-after';
import type { AttemptOutcome } from './types';

/** Methods safe to send twice; any other (POST, PATCH) is retried only when the provider takes an idempotency key. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** A 429 that names no time waits the floor, doubled per repeat at most this many times (8x the floor). */
export const FLOOR_DOUBLINGS = 3;

/** A non-JSON 5xx is retried this many times; a non-JSON 2xx never. */
export const MALFORMED_5XX_RETRIES = 1;

/** How many tries and waits a call gets, and the time it has, from the provider's definition or CLIENT_DEFAULTS. */
export interface RetryLimits {
  /** Attempts in all for transient failures. */
  attempts: number;
  baseMs: number;
  capMs: number;
  /** Rate-limit waits within one call. */
  rateLimitWaits: number;
  /** The wait after a 429 that names no time. */
  minRateLimitWaitMs: number;
  /** Where the provider reports its limit, if not the usual names. */
  rateLimitHeaders?: RateLimitHeaderNames;
  /** One attempt's budget. */
  attemptMs: number;
  /** One call's budget, retries and waits included. */
  callMs: number;
  /** Kept back from the caller's remaining time. */
  safetyMarginMs: number;
}

/** What the policy reads of one attempt. */
export interface AttemptFacts {
  outcome: AttemptOutcome;
  kind?: ErrorKind;
  status?: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** When the provider said calls work again, read from a body by its hook (GitHub's 403, API-Football's 200). */
  resumeAt?: number;
  /** The attempt sent an OAuth token that a new one could replace. */
  tokenRefreshable?: boolean;
}

/** What a call has spent so far; each step returns the next one. */
export interface RetryState {
  /** Transient failures (5xx, 408, timeouts, resets, malformed bodies). */
  transient: number;
  malformed: number;
  rateWaits: number;
  /** The OAuth token was renewed once after a 401. */
  refreshed: boolean;
}

export const NO_RETRIES_YET: RetryState = { transient: 0, malformed: 0, rateWaits: 0, refreshed: false };

/** The call's clock: now, when it must end, and the jitter source. */
export interface RetryClock {
  now: number;
  deadline: number;
  random: () => number;
}

interface StepCommon {
  state: RetryState;
  /** The error kind the call ends with, now or if a retry later runs out of time. */
  kind: ErrorKind;
  /** Rate limited: when the provider takes calls again; every later call waits for it. */
  resumeAt?: number;
  /** A spent quota: no call of this client is sent before then. */
  quotaUntil?: number;
}

/** The next step after an attempt: done, wait and retry, or give up with a classified error. */
export type RetryStep =
  | { next: 'done' }
  | (StepCommon & { next: 'retry'; waitMs: number; refreshToken?: true })
  | (StepCommon & { next: 'give_up' });

/**
 * The retry limits and time budgets of a provider.
 *
 * @example
 * retryLimits(stripe) // { attempts: 4, baseMs: 200, capMs: 20000, ..., attemptMs: 8000, callMs: 60000, safetyMarginMs: 2000 }
 */
export function retryLimits(def: Pick<ProviderDefinition, 'retry' | 'rateLimit' | 'timeouts'>): RetryLimits {
  const { retry, timeouts } = def;
  return {
    attempts: Math.max(1, retry?.attempts ?? CLIENT_DEFAULTS.attempts),
    baseMs: retry?.baseMs ?? CLIENT_DEFAULTS.baseMs,
    capMs: retry?.capMs ?? CLIENT_DEFAULTS.capMs,
    rateLimitWaits: retry?.rateLimitWaits ?? CLIENT_DEFAULTS.rateLimitWaits,
    minRateLimitWaitMs: retry?.minRateLimitWaitMs ?? CLIENT_DEFAULTS.minRateLimitWaitMs,
    rateLimitHeaders: def.rateLimit?.headers,
    attemptMs: timeouts?.attemptMs ?? CLIENT_DEFAULTS.attemptMs,
    callMs: timeouts?.callMs ?? CLIENT_DEFAULTS.callMs,
    safetyMarginMs: timeouts?.safetyMarginMs ?? CLIENT_DEFAULTS.safetyMarginMs,
  };
}

/**
 * Whether a call may be sent more than once: idempotent methods always, others only with an idempotency key.
 *
 * @example
 * mayRetry('POST', false) // false
 * mayRetry('POST', true)  // true: the provider answers a repeat with the first result
 */
export function mayRetry(method: string, idempotencyKeySent: boolean): boolean {
  return IDEMPOTENT_METHODS.has(method) || idempotencyKeySent;
}

/**
 * When a call must end: its own budget, cut to the caller's remaining time less a safety margin.
 *
 * @example
 * callDeadline(now, { callMs: 60_000, safetyMarginMs: 2_000 }, () => 30_000) // now + 28000
 */
export function callDeadline(
  now: number,
  t: { callMs: number; safetyMarginMs: number },
  remainingMs?: () => number,
): number {
  return now + (remainingMs ? Math.min(t.callMs, remainingMs() - t.safetyMarginMs) : t.callMs);
}

/**
 * Why no attempt may go out now (the deadline passed, the daily quota is spent), or undefined.
 *
 * @example
 * refusal(now, now - 1, 0) // { kind: 'timeout', message: 'no time left before the deadline' }
 */
export function refusal(
  now: number,
  deadline: number,
  quotaUntil: number,
  dailyHeader?: string,
): { kind: ErrorKind; message: string; resumeAt?: number } | undefined {
  if (now >= deadline) return { kind: 'timeout', message: 'no time left before the deadline' };
  if (quotaUntil > now)
    return {
      kind: 'quota_exhausted',
      message: `daily request quota spent (${dailyHeader}: 0), not sending until 00:00 UTC`,
      resumeAt: quotaUntil,
    };
  return undefined;
}

/**
 * How long a rate-limited attempt waits: what the provider said (its hook's resume time, Retry-After, a reset
 * header), else a floor that doubles with each repeat.
 *
 * @example
 * rateLimitWaitMs({ outcome: 'rate_limited', headers: { 'retry-after': '7' } }, 0, limits, now) // 7000
 */
export function rateLimitWaitMs(f: AttemptFacts, rateWaits: number, limits: RetryLimits, now: number): number {
  const reset = rateLimitState(f.headers, now, limits.rateLimitHeaders).resetAt;
  const hinted =
    (f.resumeAt !== undefined ? Math.max(0, f.resumeAt - now) : undefined) ??
    retryAfterMs(f.headers['retry-after'], now) ??
    (reset !== undefined ? reset - now : undefined);
  return hinted ?? limits.minRateLimitWaitMs * 2 ** Math.min(rateWaits, FLOOR_DOUBLINGS);
}

type Held = Pick<StepCommon, 'resumeAt' | 'quotaUntil'>;

const giveUp = (f: AttemptFacts, state: RetryState, held?: Held): RetryStep => ({
  next: 'give_up',
  state,
  kind: f.kind ?? 'permanent',
  ...held,
});

const retryIn = (
  waitMs: number,
  f: AttemptFacts,
  state: RetryState,
  extra?: Held & { refreshToken?: true },
): RetryStep => ({
  next: 'retry',
  waitMs,
  state,
  kind: f.kind ?? 'retryable',
  ...extra,
});

type Rule = (f: AttemptFacts, state: RetryState, limits: RetryLimits, clock: RetryClock, retry: boolean) => RetryStep;

const rateLimited: Rule = (f, state, limits, clock, retry) => {
  const wait = rateLimitWaitMs(f, state.rateWaits, limits, clock.now);
  const resumeAt = clock.now + wait;
  const quota = f.kind === 'quota_exhausted';
  const held = quota ? { resumeAt, quotaUntil: resumeAt } : { resumeAt };
  // A spent quota is never waited out within a call.
  if (quota || !retry || state.rateWaits >= limits.rateLimitWaits || resumeAt >= clock.deadline)
    return giveUp(f, state, held);
  return retryIn(wait, f, { ...state, rateWaits: state.rateWaits + 1 }, held);
};

const transient: Rule = (f, state, limits, clock, retry) => {
  const malformed = f.outcome === 'malformed';
  const next = { ...state, transient: state.transient + 1, malformed: state.malformed + (malformed ? 1 : 0) };
  const allowed = !malformed || (f.status !== undefined && f.status >= 500 && next.malformed <= MALFORMED_5XX_RETRIES);
  if (!retry || !allowed || next.transient >= limits.attempts) return giveUp(f, next);
  const backoff = backoffMs(next.transient, limits, clock.random);
  const wait = Math.max(backoff, retryAfterMs(f.headers['retry-after'], clock.now) ?? 0);
  return clock.now + wait < clock.deadline ? retryIn(wait, f, next) : giveUp(f, next);
};

/** A 401 with an OAuth token renews it once, at once, whatever the method; any other auth failure ends the call. */
const renewToken: Rule = (f, state) =>
  f.status === 401 && f.tokenRefreshable && !state.refreshed
    ? retryIn(0, f, { ...state, refreshed: true }, { refreshToken: true })
    : giveUp(f, state);

/** What each outcome of an attempt calls for. */
const RULES: Record<AttemptOutcome, Rule> = {
  ok: () => ({ next: 'done' }),
  auth: renewToken,
  rate_limited: rateLimited,
  retryable: transient,
  timeout: transient,
  network: transient,
  malformed: transient,
  permanent: (f, state) => giveUp(f, state),
};

/**
 * The retry decision: the outcome of one attempt and what the call has spent in, the next step out.
 * 429s wait what the provider says; 5xx, timeouts and resets back off with full jitter; a 401 renews an
 * OAuth token once; a POST is sent again only with an idempotency key (`retry`, see mayRetry); no wait
 * passes the deadline: the call gives up instead, rate limited with the time to resume.
 *
 * @example
 * const step = nextStep({ outcome: 'rate_limited', kind: 'rate_limited', headers: { 'retry-after': '7' } },
 *   NO_RETRIES_YET, retryLimits(def), { now, deadline: now + 60_000, random: Math.random }, true);
 * // { next: 'retry', waitMs: 7000, resumeAt: now + 7000, kind: 'rate_limited', state: { rateWaits: 1, ... } }
 */
export function nextStep(
  f: AttemptFacts,
  state: RetryState,
  limits: RetryLimits,
  clock: RetryClock,
  retry: boolean,
): RetryStep {
  return RULES[f.outcome](f, state, limits, clock, retry);
}
