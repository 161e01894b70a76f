import { BREAKER_DEFAULTS } from './client/breaker';
import type { ClientEvent, ClientListener } from './client/types';

/** One failed attempt that counted toward opening the breaker. */
export interface RecentFailure {
  at: number;
  operation: string;
  status?: number;
  errorCode: string;
  message?: string;
}

/** A breaker's state change, as every function's client records it for `ops circuit`. */
export interface CircuitTransition {
  provider: string;
  /** The function (or local process part) whose breaker changed: breakers live per instance. */
  source: string;
  state: 'open' | 'half-open' | 'closed';
  at: number;
  /** When it last opened (kept through half-open). */
  openedAt?: number;
  /** The breaker's cool-down: the next probe is `openedAt + halfOpenAfterMs`. */
  halfOpenAfterMs: number;
  /** The last failures before the transition (at most 5), newest last. */
  failures: RecentFailure[];
}

/** Where transitions go (a handler needs no more of the store). */
export interface CircuitTransitions {
  record(t: CircuitTransition): Promise<void>;
}

/** The circuits table, written and read. */
export interface CircuitStore extends CircuitTransitions {
  /** Every source's last transition, of one provider or all. */
  list(provider?: string): Promise<CircuitTransition[]>;
}

const KEPT_FAILURES = 5;

/**
 * Records the client's breaker transitions (open, half-open, closed: rare, never one per call) with the failures
 * that led to them, so any instance's state is readable by `ops circuit` and the dashboard. A failed write goes to
 * `onError` and never fails a call.
 *
 * @example
 * const recorder = circuitRecorder(new DynamoCircuitTransitions(doc, table), { source: 'github-poller', halfOpenAfterMs: 30_000 });
 * client.onEvent(recorder.listener);
 */
export function circuitRecorder(
  store: CircuitTransitions,
  opts: { source: string; halfOpenAfterMs?: number; onError?: (err: unknown) => void },
): { listener: ClientListener; settled(): Promise<void> } {
  const failures: RecentFailure[] = [];
  const inFlight = new Set<Promise<void>>();
  let openedAt: number | undefined;
  const listener = (event: ClientEvent): void => {
    if (event.type === 'attempt' && event.errorCode && event.outcome !== 'ok') {
      failures.push({
        at: event.at,
        operation: event.operation,
        status: event.status,
        errorCode: event.errorCode,
        message: event.errorMessage,
      });
      failures.splice(0, Math.max(0, failures.length - KEPT_FAILURES));
    }
    if (event.type !== 'circuit') return;
    if (event.state === 'open') openedAt = event.at;
    const write = store
      .record({
        provider: event.provider,
        source: opts.source,
        state: event.state,
        at: event.at,
        openedAt: event.state === 'closed' ? undefined : openedAt,
        halfOpenAfterMs: opts.halfOpenAfterMs ?? BREAKER_DEFAULTS.halfOpenAfterMs,
        failures: [...failures],
      })
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => inFlight.delete(write));
    inFlight.add(write);
    if (event.state === 'closed') failures.length = 0;
  };
  return { listener, settled: async () => void (await Promise.all([...inFlight])) };
}

/** One provider's breaker as last seen by any function, for `ops circuit` and the dashboard. */
export interface ProviderCircuit {
  provider: string;
  /** The latest transition's state over every source; `closed` when none was ever recorded. */
  state: 'open' | 'half-open' | 'closed';
  /** When that transition happened (epoch ms). */
  since?: number;
  /** While open: when the next call may probe (epoch ms). */
  nextProbeAt?: number;
  /** The failures recorded with the latest opening, newest last. */
  failures: RecentFailure[];
  /** Each function's last transition, newest first. */
  sources: CircuitTransition[];
}

/**
 * Per provider, the breaker as last seen by any function: the newest transition decides, and an open breaker's
 * next probe is its opening plus the cool-down.
 *
 * @example
 * providerCircuits(['github', 'trello'], await store.list())[1] // { provider: 'trello', state: 'open', nextProbeAt, ... }
 */
export function providerCircuits(
  providers: readonly string[],
  transitions: readonly CircuitTransition[],
): ProviderCircuit[] {
  return providers.map((provider) => {
    const sources = transitions.filter((t) => t.provider === provider).sort((a, b) => b.at - a.at);
    const last = sources[0];
    if (!last) return { provider, state: 'closed', failures: [], sources };
    const opened = last.state === 'closed' ? undefined : (last.openedAt ?? last.at);
    return {
      provider,
      state: last.state,
      since: last.at,
      ...(last.state === 'open' && opened !== undefined ? { nextProbeAt: opened + last.halfOpenAfterMs } : {}),
      failures: sources.find((s) => s.state === 'open')?.failures ?? last.failures,
      sources,
    };
  });
}
