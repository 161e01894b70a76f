/**
 * Time as the client sees it, passed in so tests run on a virtual clock: `now` and `sleep` drive
 * deadlines, waits and backoff; `random` drives jitter; `timeout` bounds one attempt's I/O.
 */
export interface Time {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` (or at once when aborted). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
  /** A signal that aborts after `ms` of real I/O time. */
  timeout(ms: number): AbortSignal;
}

/**
 * The real clock, for handlers and the local stack.
 *
 * @example
 * const client = createClient({ definition, secrets, time: realTime });
 */
export const realTime: Time = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
  random: () => Math.random(),
  timeout: (ms) => AbortSignal.timeout(Math.max(1, Math.ceil(ms))),
};
