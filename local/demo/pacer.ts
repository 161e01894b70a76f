/**
 * The timers and in-flight work of one demo driver: `every` runs a task on an interval (never two of
 * its runs at once, so a slow stack is not piled on), `track` remembers a promise, and `stop` clears
 * every timer and waits for what is in flight. Failures are the driver's to report; here they are swallowed.
 *
 * @example
 * const pace = new Pacer();
 * pace.every(2000, () => send());
 * await pace.stop();
 */
export class Pacer {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;

  /** Runs `task` every `ms`, the first time after `firstMs` (default `ms`). */
  every(ms: number, task: () => Promise<unknown> | undefined, firstMs = ms): void {
    let busy = false;
    const fire = () => {
      if (busy || this.stopped) return;
      busy = true;
      void this.track(Promise.resolve().then(task)).finally(() => {
        busy = false;
      });
    };
    const first = setTimeout(
      () => {
        fire();
        const timer = setInterval(fire, Math.max(1, ms));
        timer.unref();
        this.timers.push(timer);
      },
      Math.max(1, firstMs),
    );
    first.unref();
    this.timers.push(first);
  }

  track<T>(p: Promise<T>): Promise<unknown> {
    const q = p.catch(() => undefined).finally(() => this.inFlight.delete(q));
    this.inFlight.add(q);
    return q;
  }

  get stopping(): boolean {
    return this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
