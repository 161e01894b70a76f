import {
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  CountBreaker,
  handleWhenResult,
  type CircuitBreakerPolicy,
  type IBreaker,
} from 'cockatiel';
import type { CircuitBreakerSpec } from '../provider';

export const BREAKER_DEFAULTS = {
  consecutiveFailures: 5,
  failureRate: 0.5,
  window: 20,
  minimumCalls: 10,
  halfOpenAfterMs: 30_000,
} as const;

// cockatiel's breakers each apply one rule; a provider's breaker opens on either.
class EitherBreaker implements IBreaker {
  constructor(private readonly rules: IBreaker[]) {}
  get state(): unknown {
    return this.rules.map((r) => r.state);
  }
  set state(value: unknown) {
    if (!Array.isArray(value)) return;
    this.rules.forEach((r, i) => {
      r.state = value[i];
    });
  }
  success(state: CircuitState): void {
    for (const r of this.rules) r.success(state);
  }
  failure(state: CircuitState): boolean {
    return this.rules.map((r) => r.failure(state)).some(Boolean);
  }
}

/** What an attempt reports to the breaker: `breakerFailure` counts against the provider (5xx, timeouts, resets). */
export interface BreakerVerdict {
  breakerFailure: boolean;
}

/**
 * The per-provider circuit breaker (cockatiel): opens after N consecutive failures or a failure
 * rate over the last calls, fails fast while open, lets one probe through after `halfOpenAfterMs`.
 *
 * @example
 * const breaker = providerBreaker(definition.circuitBreaker);
 * const outcome = await breaker.execute(() => attempt()); // throws BrokenCircuitError while open
 */
export function providerBreaker(spec: CircuitBreakerSpec = {}): CircuitBreakerPolicy {
  const s = { ...BREAKER_DEFAULTS, ...spec };
  return circuitBreaker(
    handleWhenResult((r) => (r as BreakerVerdict | undefined)?.breakerFailure === true),
    {
      halfOpenAfter: s.halfOpenAfterMs,
      breaker: new EitherBreaker([
        new ConsecutiveBreaker(s.consecutiveFailures),
        new CountBreaker({ threshold: s.failureRate, size: s.window, minimumNumberOfCalls: s.minimumCalls }),
      ]),
    },
  );
}

/**
 * cockatiel's breaker state, as events and logs name it.
 *
 * @example
 * circuitStateName(breaker.state) // 'closed' | 'open' | 'half-open'
 */
export function circuitStateName(state: CircuitState): 'closed' | 'open' | 'half-open' {
  if (state === CircuitState.Closed) return 'closed';
  if (state === CircuitState.HalfOpen) return 'half-open';
  return 'open';
}
