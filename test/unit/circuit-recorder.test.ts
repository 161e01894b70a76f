import { describe, expect, it } from 'vitest';
import { type CircuitTransition, circuitRecorder, providerCircuits } from '../../lambdas/core/circuit-recorder';
import type { ClientEvent } from '../../lambdas/core/client/types';

const attempt = (at: number, status: number): ClientEvent => ({
  type: 'attempt',
  at,
  provider: 'trello',
  operation: 'POST /1/cards',
  traceId: 't',
  method: 'POST',
  attempt: 1,
  status,
  durationMs: 5,
  outcome: 'retryable',
  errorCode: 'retryable',
  errorMessage: `provider answered ${status}`,
  retrying: true,
});
const circuit = (at: number, state: 'open' | 'half-open' | 'closed'): ClientEvent => ({
  type: 'circuit',
  at,
  provider: 'trello',
  state,
});

describe('circuitRecorder', () => {
  it('writes transitions only, with the last five failures and when it opened', async () => {
    const written: CircuitTransition[] = [];
    const recorder = circuitRecorder(
      { record: async (t) => void written.push(t) },
      { source: 'trello-writer', halfOpenAfterMs: 30_000 },
    );
    for (let i = 0; i < 7; i += 1) recorder.listener(attempt(1000 + i, 503));
    recorder.listener(circuit(2000, 'open'));
    recorder.listener(circuit(32_000, 'half-open'));
    recorder.listener(circuit(32_500, 'closed'));
    await recorder.settled();
    expect(written.map((t) => [t.state, t.at, t.openedAt])).toEqual([
      ['open', 2000, 2000],
      ['half-open', 32_000, 2000],
      ['closed', 32_500, undefined],
    ]);
    expect(written[0]!.failures.map((f) => f.at)).toEqual([1002, 1003, 1004, 1005, 1006]);
    expect(written[0]!).toMatchObject({ provider: 'trello', source: 'trello-writer', halfOpenAfterMs: 30_000 });
  });

  it('never fails a call when the store does', async () => {
    const errors: unknown[] = [];
    const recorder = circuitRecorder(
      { record: async () => Promise.reject(new Error('throttled')) },
      { source: 's', onError: (e) => errors.push(e) },
    );
    expect(() => recorder.listener(circuit(1, 'open'))).not.toThrow();
    await recorder.settled();
    expect(errors).toHaveLength(1);
  });
});

describe('providerCircuits', () => {
  const t = (source: string, state: CircuitTransition['state'], at: number): CircuitTransition => ({
    provider: 'trello',
    source,
    state,
    at,
    openedAt: state === 'closed' ? undefined : at,
    halfOpenAfterMs: 30_000,
    failures: [],
  });

  it('takes the newest transition of any function, and an open breaker probes after its cool-down', () => {
    const [github, trello] = providerCircuits(
      ['github', 'trello'],
      [t('poller', 'closed', 10), t('writer', 'open', 50)],
    );
    expect(github).toMatchObject({ provider: 'github', state: 'closed', sources: [] });
    expect(github!.since).toBeUndefined();
    expect(trello).toMatchObject({ state: 'open', since: 50, nextProbeAt: 30_050 });
    expect(trello!.sources.map((s) => s.source)).toEqual(['writer', 'poller']);
  });
});
