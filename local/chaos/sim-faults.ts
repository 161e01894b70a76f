import type { ProviderSimulator } from '../simulators/base';
import type { Fault, FaultRule } from '../simulators/faults';
import type { Rng } from './random';

/**
 * One entry of a fault menu: the fault, how many requests in a row get it (a storm, a spike), and its name in the
 * report.
 */
export interface FaultChoice {
  name: string;
  fault: Fault;
  times?: [number, number];
  match?: FaultRule['match'];
}

export interface FaultSchedule {
  /** Faults injected so far, by name. */
  injected: Record<string, number>;
  stop(): void;
}

/**
 * Injects a simulator's faults as the traffic flows: after a seeded number of clean requests, the next
 * fault of the menu (seeded) is added as a scripted rule for the next request(s); once consumed, the
 * count starts again. Which request a fault lands on depends on timing; the sequence of faults does not.
 *
 * @example
 * const faults = scheduleFaults(stripeSim, rng, [{ name: '429 storm', fault: { kind: 'status', status: 429, retryAfter: { seconds: 1 } }, times: [2, 4] }], { every: [3, 12] });
 */
export function scheduleFaults(
  sim: ProviderSimulator,
  rng: Rng,
  menu: FaultChoice[],
  opts: { every: [number, number] },
): FaultSchedule {
  const injected: Record<string, number> = {};
  let nextAt = sim.requests.length + rng.int(...opts.every);
  let pending: FaultRule | undefined;
  const timer = setInterval(() => {
    if (pending && (pending.times ?? 1) > 0) return;
    if (pending) {
      nextAt = sim.requests.length + rng.int(...opts.every);
      pending = undefined;
    }
    if (sim.requests.length < nextAt) return;
    const choice = rng.pick(menu);
    pending = { fault: choice.fault, match: choice.match, times: choice.times ? rng.int(...choice.times) : 1 };
    injected[choice.name] = (injected[choice.name] ?? 0) + 1;
    sim.faults.settings.rules.push(pending);
  }, 5);
  timer.unref();
  return {
    injected,
    stop: () => {
      clearInterval(timer);
      sim.faults.settings.rules = sim.faults.settings.rules.filter((r) => r !== pending);
    },
  };
}

const retryAfter = (as: 'seconds' | 'date'): Fault => ({
  kind: 'status',
  status: 429,
  retryAfter: { seconds: 1, as },
  body: { error: { type: 'rate_limit_error', message: 'Too many requests' } },
});

/**
 * Faults of any HTTP API: 429 storms with Retry-After, 5xx spikes, hangs past the timeout, resets, truncated bodies,
 * HTML error pages.
 */
export function readFaults(match?: FaultRule['match']): FaultChoice[] {
  return [
    { name: '429 storm (Retry-After seconds)', fault: retryAfter('seconds'), times: [2, 4], match },
    { name: '429 storm (Retry-After date)', fault: retryAfter('date'), times: [2, 3], match },
    { name: '503 spike', fault: { kind: 'status', status: 503 }, times: [2, 3], match },
    { name: '500', fault: { kind: 'status', status: 500 }, match },
    { name: 'hang past the timeout', fault: { kind: 'hang' }, match },
    { name: 'connection reset', fault: { kind: 'reset' }, match },
    { name: 'truncated JSON body', fault: { kind: 'malformed' }, match },
    { name: 'HTML error page (502)', fault: { kind: 'html', status: 502 }, match },
  ];
}

/** Creates that commit at the provider and lose their answer, on top of the read faults. */
export function writeFaults(create: { method: string; path: string }, match?: FaultRule['match']): FaultChoice[] {
  return [
    ...readFaults(match),
    { name: 'commit, then 502', fault: { kind: 'commit-then-fail', status: 502 }, match: create },
    { name: 'commit, then reset', fault: { kind: 'commit-then-fail', drop: 'reset' }, match: create },
    { name: 'commit, then hang', fault: { kind: 'commit-then-fail', drop: 'hang' }, match: create },
  ];
}
