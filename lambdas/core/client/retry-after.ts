/** The longest wait any header can ask for; a deadline normally cuts far shorter. */
export const MAX_HEADER_WAIT_MS = 24 * 60 * 60 * 1000;

const clamp = (ms: number, capMs: number): number => Math.min(Math.max(0, Math.ceil(ms)), capMs);

/**
 * Milliseconds to wait from a `Retry-After` value (RFC 9110 10.2.3): delay-seconds or an HTTP-date.
 * Never negative (a past date means now), never past `capMs`; undefined when absent or unreadable.
 *
 * @example
 * retryAfterMs('120', now)                              // 120000
 * retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', now)    // ms until then, 0 if past
 * retryAfterMs('Wed Oct 21 07:28:00 2015', now)        // the same instant: asctime is GMT too
 */
export function retryAfterMs(
  value: string | null | undefined,
  now: number,
  capMs = MAX_HEADER_WAIT_MS,
): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  // delay-seconds is digits only; a decimal is tolerated because some servers send one.
  if (/^\d+(\.\d+)?$/.test(text)) return clamp(Number(text) * 1000, capMs);
  const at = httpDate(text);
  return at !== undefined ? clamp(at - now, capMs) : undefined;
}

/**
 * Epoch ms of an HTTP-date in any of RFC 9110's three formats; undefined when unreadable.
 *
 * @example
 * httpDate('Sun Nov  6 08:49:37 1994') // Date.UTC(1994, 10, 6, 8, 49, 37)
 */
export function httpDate(value: string): number | undefined {
  const text = value.trim();
  if (!/[a-z]/i.test(text)) return undefined;
  // Every HTTP-date is GMT (RFC 9110 5.6.7); asctime has no zone, and Date.parse would read it as local time.
  const at = Date.parse(/(?:[a-z]|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text} GMT`);
  return Number.isFinite(at) ? at : undefined;
}
