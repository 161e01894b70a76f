/** When simulated providers act: their clock, and the actions they scheduled for later (retries, redeliveries). */
export interface Timeline {
  now(): number;
  /** Runs `task` once the clock reaches `at` (at once when it is past). */
  schedule(at: number, task: () => Promise<void> | void): void;
}

/**
 * Provider time running `scale` times faster than the wall clock, from `start`: a retry an hour away comes
 * 3.6 s later at scale 1000. For the running local stack; tests and the drill use VirtualTimeline.
 *
 * @example
 * const time = new ScaledTimeline({ scale: 60 }); // a minute of provider time per second
 * time.schedule(time.now() + 60_000, () => console.log('a second later'));
 */
export class ScaledTimeline implements Timeline {
  private readonly startedAt = Date.now();
  private readonly start: number;
  private readonly scale: number;

  constructor(opts: { scale?: number; start?: number } = {}) {
    this.scale = opts.scale ?? 1;
    this.start = opts.start ?? this.startedAt;
  }

  now(): number {
    return this.start + (Date.now() - this.startedAt) * this.scale;
  }

  schedule(at: number, task: () => Promise<void> | void): void {
    const timer = setTimeout(() => void Promise.resolve(task()).catch(() => undefined), (at - this.now()) / this.scale);
    timer.unref();
  }
}

interface Task {
  at: number;
  seq: number;
  run: () => Promise<void> | void;
}

/**
 * Discrete-event time: nothing happens between scheduled actions, and `run` jumps the clock from one to the next,
 * so three days of a provider's retries take the milliseconds their requests take. Tasks due at the same time run
 * in the order they were scheduled, each awaited before the next.
 *
 * @example
 * const time = new VirtualTimeline(Date.UTC(2026, 0, 1));
 * time.schedule(time.now() + 72 * 3_600_000, () => console.log('three days later'));
 * await time.run(); // at once
 */
export class VirtualTimeline implements Timeline {
  private clock: number;
  private seq = 0;
  private readonly tasks: Task[] = [];

  constructor(start: number) {
    this.clock = start;
  }

  now(): number {
    return this.clock;
  }

  schedule(at: number, run: () => Promise<void> | void): void {
    this.tasks.push({ at: Math.max(at, this.clock), seq: this.seq++, run });
  }

  /** Tasks not run yet. */
  get pending(): number {
    return this.tasks.length;
  }

  /** Runs every task due up to `until` (default: until none is left) in time order; the clock ends at `until`. */
  async run(until = Number.POSITIVE_INFINITY): Promise<void> {
    for (;;) {
      this.tasks.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.tasks[0];
      if (!next || next.at > until) break;
      this.tasks.shift();
      this.clock = Math.max(this.clock, next.at);
      await next.run();
    }
    if (Number.isFinite(until)) this.clock = Math.max(this.clock, until);
  }

  /** Moves the clock forward by `ms`, running what falls due on the way. */
  advance(ms: number): Promise<void> {
    return this.run(this.clock + ms);
  }
}
