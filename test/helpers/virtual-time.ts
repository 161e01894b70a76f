import { vi } from 'vitest';
import type { Time } from '../../lambdas/core/client/time';

/**
 * A virtual clock for the client: `sleep` advances it at once (and records the wait), so retries and
 * rate-limit waits take no real time. Attempt timeouts need real I/O to abort, so they fire after
 * `ioTimeoutCapMs` of real time at most, and move the clock to when they were due.
 * `syncDate` also moves a faked `Date` (cockatiel's breaker reads Date.now).
 */
export class VirtualTime implements Time {
  t: number;
  readonly sleeps: number[] = [];
  /** Values `random()` returns in turn; the last one repeats. */
  randoms: number[] = [0.5];
  ioTimeoutCapMs = 5_000;
  private readonly syncDate: boolean;

  constructor(start = Date.UTC(2025, 0, 6, 12, 0, 0), opts: { syncDate?: boolean } = {}) {
    this.t = start;
    this.syncDate = opts.syncDate ?? false;
    if (this.syncDate) {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(start);
    }
  }

  now = (): number => this.t;

  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.advance(ms);
  };

  random = (): number => (this.randoms.length > 1 ? this.randoms.shift()! : this.randoms[0]!);

  timeout = (ms: number): AbortSignal => {
    const due = this.t + ms;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      this.t = Math.max(this.t, due);
      if (this.syncDate) vi.setSystemTime(this.t);
      controller.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    }, Math.min(ms, this.ioTimeoutCapMs));
    timer.unref();
    return controller.signal;
  };

  advance(ms: number): void {
    this.t += Math.max(0, ms);
    if (this.syncDate) vi.setSystemTime(this.t);
  }

  /** Total virtual time slept. */
  slept(): number {
    return this.sleeps.reduce((a, b) => a + b, 0);
  }

  dispose(): void {
    if (this.syncDate) vi.useRealTimers();
  }
}
