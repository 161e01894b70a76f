import { vi } from 'vitest';
import type { Time } from '../../lambdas/core/client/time';

/**
 * A virtual clock for the client: `sleep` advances it at once (and records the wait), so retries and
 * rate-limit waits take no real time. Attempt timeouts abort real I/O: `expireTimeouts()` fires them
 * (the rig calls it when the simulator hangs a request) and moves the clock to when they were due.
 * `syncDate` also moves a faked `Date` (cockatiel's breaker reads Date.now).
 */
export class VirtualTime implements Time {
  t: number;
  readonly sleeps: number[] = [];
  /** Values `random()` returns in turn; the last one repeats. */
  randoms: number[] = [0.5];
  /** A safety net only: tests expire timeouts when the simulator hangs a request (`expireTimeouts`). */
  ioTimeoutCapMs = 10_000;
  private readonly pending = new Set<() => void>();
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
    const fire = () => {
      clearTimeout(timer);
      this.pending.delete(fire);
      this.t = Math.max(this.t, due);
      if (this.syncDate) vi.setSystemTime(this.t);
      controller.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    };
    const timer = setTimeout(fire, Math.min(ms, this.ioTimeoutCapMs));
    timer.unref();
    this.pending.add(fire);
    controller.signal.addEventListener('abort', () => this.pending.delete(fire));
    return controller.signal;
  };

  /** Fires every pending attempt timeout now, as if its time had passed (the request hangs). */
  expireTimeouts(): void {
    for (const fire of [...this.pending]) fire();
  }

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
