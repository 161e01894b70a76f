/**
 * Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(retry-1))].
 * Hand-written because cockatiel's jitter draws from Math.random, and tests inject `random`.
 *
 * @example
 * backoffMs(1, { baseMs: 200, capMs: 20_000 }, Math.random) // 0..200
 * backoffMs(3, { baseMs: 200, capMs: 20_000 }, Math.random) // 0..800
 */
export function backoffMs(retry: number, opts: { baseMs: number; capMs: number }, random: () => number): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(Math.min(Math.max(random(), 0), 1) * ceiling);
}
