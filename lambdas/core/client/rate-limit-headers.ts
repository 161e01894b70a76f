import type { RateLimitHeaderNames } from '../provider';
import { MAX_HEADER_WAIT_MS } from './retry-after';

/** What a response says about the provider's limit; `resetAt` is epoch ms. */
export interface RateLimitState {
  remaining?: number;
  limit?: number;
  resetAt?: number;
}

/**
 * The next 00:00 UTC after `now` (epoch ms), when daily quotas reset.
 *
 * @example
 * nextUtcMidnight(Date.UTC(2024, 8, 1, 12)) // Date.UTC(2024, 8, 2)
 */
export const nextUtcMidnight = (now: number): number => (Math.floor(now / 86_400_000) + 1) * 86_400_000;

const number = (v: string | undefined): number | undefined => {
  if (v === undefined || !/^\s*-?\d+(\.\d+)?\s*$/.test(v)) return undefined;
  return Number(v);
};

/**
 * Epoch ms of a reset value. `auto` tells the units apart by size: below 1e9 it is seconds from now
 * (no epoch-seconds value is that small after 2001), below 1e12 epoch seconds, else epoch ms.
 * The result is never before `now` nor more than a day after it.
 *
 * @example
 * resetAt(30, now)          // now + 30000 (seconds from now)
 * resetAt(1717000000, now)  // 1717000000000 (epoch seconds)
 */
export function resetAt(value: number, now: number, unit: RateLimitHeaderNames['resetUnit'] = 'auto'): number {
  let at: number;
  if (unit === 'delta-seconds' || (unit === 'auto' && value < 1e9)) at = now + value * 1000;
  else if (unit === 'epoch-seconds' || (unit === 'auto' && value < 1e12)) at = value * 1000;
  else at = value;
  return Math.ceil(Math.min(Math.max(at, now), now + MAX_HEADER_WAIT_MS));
}

// The draft's `RateLimit` field: `"default";r=50;t=30` (drafts 07+; with several policies the one
// with fewest requests left binds), or the dictionary `limit=10, remaining=5, reset=4` of earlier drafts.
function draftParams(value: string): Record<string, string> {
  const items = value.split(',').map((item) => {
    const out: Record<string, string> = {};
    for (const part of item.split(';')) {
      const m = /^\s*([a-z-]+)\s*=\s*"?([^";]*)"?\s*$/i.exec(part);
      if (m) out[m[1]!.toLowerCase()] = m[2]!;
    }
    return out;
  });
  if (items.some((i) => 'r' in i)) {
    return items.filter((i) => 'r' in i).reduce((a, b) => (Number(b.r) < Number(a.r) ? b : a));
  }
  return Object.assign({}, ...items) as Record<string, string>;
}

/**
 * Reads the limit a response reports: the IETF draft's `RateLimit` field (`r`/`t` in drafts 07+,
 * `limit`/`remaining`/`reset` in earlier ones), the `RateLimit-Remaining`/`-Reset` pair, and
 * `X-RateLimit-*` (or the provider's own names). Headers are lower-cased names.
 *
 * @example
 * rateLimitState({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1717000000' }, now)
 * // { remaining: 0, resetAt: 1717000000000 }
 */
export function rateLimitState(
  headers: Record<string, string>,
  now: number,
  names: RateLimitHeaderNames = {},
): RateLimitState {
  const state: RateLimitState = {};
  const custom = (name: string | undefined) => (name ? headers[name.toLowerCase()] : undefined);
  const draft = headers.ratelimit ? draftParams(headers.ratelimit) : {};
  const remaining =
    number(custom(names.remaining)) ??
    number(draft.r ?? draft.remaining) ??
    number(headers['ratelimit-remaining']) ??
    number(headers['x-ratelimit-remaining']);
  if (remaining !== undefined) state.remaining = Math.max(0, Math.floor(remaining));
  const limit = number(draft.limit) ?? number(headers['ratelimit-limit']) ?? number(headers['x-ratelimit-limit']);
  if (limit !== undefined && limit >= 0) state.limit = limit;
  const customReset = number(custom(names.reset));
  if (customReset !== undefined) {
    state.resetAt = resetAt(customReset, now, names.resetUnit);
    return state;
  }
  // The draft's reset is always seconds from now; X-RateLimit-Reset varies by provider.
  const draftReset = number(draft.t ?? draft.reset) ?? number(headers['ratelimit-reset']);
  if (draftReset !== undefined) state.resetAt = resetAt(draftReset, now, 'delta-seconds');
  else {
    const xReset = number(headers['x-ratelimit-reset']);
    if (xReset !== undefined) state.resetAt = resetAt(xReset, now, names.resetUnit);
  }
  return state;
}
