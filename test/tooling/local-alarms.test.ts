import { describe, expect, it } from 'vitest';
import { PowertoolsTelemetry } from '../../lambdas/adapters/telemetry';
import { resolveRule, type AlarmRule } from '../../lambdas/core/alarm-rules';
import { emitMetric, METRIC } from '../../lambdas/core/metrics';
import { evaluateRule } from '../../local/observability/evaluate';
import { MetricStore, statistic } from '../../local/observability/metric-store';
import { LocalMonitor, type AlarmView } from '../../local/observability/monitor';
import { LocalQueue } from '../../local/queue';

const NS = 'IntegrationStack';
const MIN = 60_000;
const T0 = Date.parse('2024-05-01T10:00:00Z');
const github = { provider: 'github' };
const rule = (id: Parameters<typeof resolveRule>[0]) => resolveRule(id)!;

/** Requests and 5xx per minute for the last `perMinute.length` minutes before `now`. */
function traffic(perMinute: [requests: number, errors: number][], now = T0): MetricStore {
  const store = new MetricStore(60 * MIN, () => now);
  perMinute.forEach(([requests, errors], i) => {
    const at = now - (perMinute.length - i) * MIN + 1000;
    for (let r = 0; r < requests; r += 1) store.add(NS, METRIC.Requests, github, 1, at);
    for (let e = 0; e < errors; e += 1) store.add(NS, METRIC.Http5xx, github, 1, at);
  });
  return store;
}

describe('local alarm evaluation (the rules CDK deploys)', () => {
  it('fires the provider 5xx alarm when every one of 5 one-minute periods is above 1%', () => {
    const result = evaluateRule(rule('provider-5xx-rate'), traffic(Array(5).fill([100, 2])), github, NS, T0);
    expect(result).toEqual({ state: 'ALARM', datapoints: [2, 2, 2, 2, 2], value: 2 });
  });

  it('stays OK when one of the 5 periods is healthy (5 of 5)', () => {
    const result = evaluateRule(
      rule('provider-5xx-rate'),
      traffic([
        [100, 2],
        [100, 2],
        [100, 0],
        [100, 2],
        [100, 2],
      ]),
      github,
      NS,
      T0,
    );
    expect(result.state).toBe('OK');
  });

  it('does not page for 1 error in 3 requests: below the minimum request count the rate counts as 0', () => {
    const result = evaluateRule(rule('provider-5xx-rate'), traffic(Array(5).fill([3, 1])), github, NS, T0);
    expect(result).toMatchObject({ state: 'OK', datapoints: [0, 0, 0, 0, 0] });
  });

  it('treats missing data as not breaching', () => {
    const store = traffic([
      [100, 50],
      [100, 50],
    ]);
    expect(evaluateRule(rule('provider-5xx-rate'), store, github, NS, T0)).toMatchObject({
      state: 'OK',
      datapoints: [null, null, null, 50, 50],
    });
    expect(evaluateRule(rule('signature-rejections'), new MetricStore(MIN), github, NS, T0).state).toBe('OK');
  });

  it('fires signature rejections above 10 in 5 minutes, and clears once the window has passed', () => {
    const store = new MetricStore(60 * MIN, () => T0);
    for (let i = 0; i < 11; i += 1) store.add(NS, METRIC.SignatureRejected, github, 1, T0 - 4 * MIN + i * 1000);
    const r = rule('signature-rejections');
    expect(evaluateRule(r, store, github, NS, T0)).toMatchObject({ state: 'ALARM', value: 11 });
    expect(evaluateRule(r, store, github, NS, T0 + 2 * MIN).state).toBe('OK');
  });

  it('shortens every period by the time scale, leaving thresholds alone', () => {
    const store = new MetricStore(MIN, () => T0);
    for (let i = 0; i < 11; i += 1) store.add(NS, METRIC.SignatureRejected, github, 1, T0 - 400);
    const r = rule('signature-rejections');
    // 300 s / 600 = 500 ms.
    expect(evaluateRule(r, store, github, NS, T0, 600).state).toBe('ALARM');
    expect(evaluateRule(r, store, github, NS, T0 + 200, 600).state).toBe('OK');
  });

  it('compares p95 latency per operation, by nearest rank', () => {
    expect(
      statistic(
        'p95',
        Array.from({ length: 100 }, (_, i) => i + 1),
      ),
    ).toBe(95);
    expect(statistic('p50', [5, 1, 3])).toBe(3);
    const store = new MetricStore(60 * MIN, () => T0);
    const op = { provider: 'github', operation: 'GET /issues' };
    for (let m = 1; m <= 5; m += 1)
      for (let i = 1; i <= 20; i += 1) store.add(NS, METRIC.LatencyMs, op, i <= 18 ? 100 : 5000, T0 - m * MIN + 10);
    expect(evaluateRule(rule('operation-latency-p95'), store, op, NS, T0)).toMatchObject({
      state: 'ALARM',
      value: 5000,
    });
    expect(evaluateRule(rule('operation-latency-p95'), store, github, NS, T0).state).toBe('OK');
  });

  it('keeps circuit-open red while refused calls recur every 15 minutes (a poll run), and clears 20 minutes after the last', () => {
    const store = new MetricStore(120 * MIN, () => T0);
    const r = rule('circuit-open');
    // The breaker opens at T0, then a scheduled run every 15 minutes for an hour finds it open again.
    for (let m = 0; m <= 60; m += 15) store.add(NS, METRIC.CircuitOpen, github, 1, T0 + m * MIN + 1000);
    for (let m = 1; m <= 80; m += 1) {
      const state = evaluateRule(r, store, github, NS, T0 + m * MIN).state;
      expect(state, `minute ${m}`).toBe(m <= 60 + 20 ? 'ALARM' : 'OK');
    }
    expect(evaluateRule(r, store, github, NS, T0 + 82 * MIN).state).toBe('OK');
  });

  it('fires gaps-open at the first run that reports a gap older than an hour, runs 15 minutes apart, and clears an hour after the gap heals', () => {
    const store = new MetricStore(180 * MIN, () => T0);
    // A gap opened at T0 and healed by the run at T0 + 90 min: each run reports the oldest gap's age.
    const ages = [0, 15, 30, 45, 60, 75, 90].map((m) => (m < 90 ? m * MIN : 0));
    ages.forEach((age, i) => {
      store.add(NS, METRIC.OldestGapAgeMs, github, age, T0 + i * 15 * MIN + 20_000);
    });
    const r = rule('gaps-open');
    const at = (m: number) => evaluateRule(r, store, github, NS, T0 + m * MIN).state;
    expect(at(75)).toBe('OK'); // the 75-minute report is not in yet
    expect(at(76)).toBe('ALARM');
    expect(at(90 + 30)).toBe('ALARM');
    expect(at(75 + 61)).toBe('OK');
  });

  it('fires gaps-failing on the first report of a gap failed 3 times, and clears an hour after the last', () => {
    const store = new MetricStore(180 * MIN, () => T0);
    // Runs 15 minutes apart (one a minute late); the gap heals in the run at minute 61.
    for (const [m, failing] of [
      [1, 0],
      [16, 1],
      [31, 1],
      [47, 1],
      [61, 0],
    ] as const)
      store.add(NS, METRIC.GapsFailing, github, failing, T0 + m * MIN);
    const r = rule('gaps-failing');
    const at = (m: number) => evaluateRule(r, store, github, NS, T0 + m * MIN).state;
    expect(at(15)).toBe('OK');
    for (const m of [17, 30, 45, 60, 75, 90, 105]) expect(at(m), `minute ${m}`).toBe('ALARM');
    expect(at(108)).toBe('OK');
  });

  it('applies the same overrides the stack props take', () => {
    const strict: AlarmRule = resolveRule('provider-5xx-rate', {
      'provider-5xx-rate': { minDenominator: 2, threshold: 10 },
    })!;
    expect(evaluateRule(strict, traffic(Array(5).fill([3, 1])), github, NS, T0).state).toBe('ALARM');
    expect(resolveRule('circuit-open', { 'circuit-open': { enabled: false } })).toBeUndefined();
    expect(() => resolveRule('circuit-open', { 'circuit-open': { datapointsToAlarm: 5 } })).toThrow(
      /datapointsToAlarm/,
    );
  });
});

describe('metric store', () => {
  it('reads the EMF documents Powertools writes, under each dimension set emitMetric uses', () => {
    const store = new MetricStore(MIN, () => Date.now());
    const telemetry = new PowertoolsTelemetry({
      serviceName: 'test',
      namespace: NS,
      sink: (line) => store.ingest(line),
    });
    emitMetric(telemetry, METRIC.Requests, 1, 'Count', {
      provider: 'github',
      operation: 'GET /x',
      status_class: '5xx',
    });
    emitMetric(telemetry, METRIC.Requests, 1, 'Count', {
      provider: 'github',
      operation: 'GET /x',
      status_class: '2xx',
    });
    emitMetric(telemetry, METRIC.SignatureRejected, 1, 'Count', {
      provider: 'github',
      operation: 'webhook',
      reason: 'signature_mismatch',
    });
    telemetry.log('info', 'not a metric', { provider: 'github' });
    telemetry.flush();
    const sum = (dims: Record<string, string>, name: string = METRIC.Requests) =>
      store.values(NS, name, dims, 0, Date.now() + 1).reduce((a, b) => a + b, 0);
    expect(sum(github)).toBe(2);
    expect(sum({ provider: 'github', operation: 'GET /x' })).toBe(2);
    expect(sum({ provider: 'github', operation: 'GET /x', status_class: '5xx' })).toBe(1);
    expect(sum({ provider: 'github', reason: 'signature_mismatch' }, METRIC.SignatureRejected)).toBe(1);
  });

  it('keeps datapoints in time order when documents arrive out of order', () => {
    const store = new MetricStore(MIN, () => T0);
    for (const at of [T0 - 10, T0 - 30, T0 - 20, T0 - 40]) store.add(NS, METRIC.Requests, github, T0 - at, at);
    expect(store.values(NS, METRIC.Requests, github, T0 - 35, T0 - 15)).toEqual([30, 20]);
    expect(store.values(NS, METRIC.Requests, github, T0 - 30, T0)).toEqual([20, 10]);
  });

  it('forgets datapoints older than its retention', () => {
    let now = T0;
    const store = new MetricStore(MIN, () => now);
    store.add(NS, METRIC.Requests, github, 1);
    now += 2 * MIN;
    store.add(NS, METRIC.Requests, github, 1);
    store.prune();
    expect(store.values(NS, METRIC.Requests, github, 0, now + 1)).toEqual([1]);
  });
});

describe('local monitor', () => {
  it('samples a DLQ, fires webhook-dlq-not-empty with its runbook, and clears when the DLQ is empty again', () => {
    let now = T0;
    const transitions: [string, string][] = [];
    const monitor = new LocalMonitor({
      namespace: NS,
      now: () => now,
      onTransition: (a: AlarmView) => transitions.push([a.key, a.state]),
    });
    const dlq = new LocalQueue({ name: 'github-webhooks-dlq', visibilityTimeoutMs: 1000 });
    const queue = new LocalQueue({
      name: 'github-webhooks',
      visibilityTimeoutMs: 1000,
      deadLetterQueue: dlq,
      maxReceiveCount: 5,
    });
    monitor.provider('github').webhook({ queue, dlq });
    monitor.tick();
    const id = dlq.put({ body: '{}', attributes: {} });
    now += 1000;
    monitor.tick();
    const alarm = monitor.alarms().find((a) => a.key === 'webhook-dlq-not-empty:github')!;
    expect(alarm).toMatchObject({
      state: 'ALARM',
      value: 1,
      runbook: 'docs/runbooks/webhook-dlq-not-empty.md',
      runbookUrl: '/_dashboard/runbooks/webhook-dlq-not-empty.md',
    });
    dlq.remove(id);
    now += 61_000;
    monitor.tick();
    expect(transitions).toEqual([
      ['webhook-dlq-not-empty:github', 'ALARM'],
      ['webhook-dlq-not-empty:github', 'OK'],
    ]);
  });

  it('registers the same alarms per provider as the CDK facade, and one per operation that reports latency', () => {
    let now = T0;
    const monitor = new LocalMonitor({ namespace: NS, now: () => now });
    monitor.provider('github').client();
    monitor.store.add(NS, METRIC.LatencyMs, { provider: 'github', operation: 'GET /issues' }, 10, now);
    now += 10;
    monitor.tick();
    expect(
      monitor
        .alarms()
        .map((a) => a.key)
        .sort(),
    ).toEqual([
      'api-sunset-soon:github',
      'circuit-open:github',
      'operation-latency-p95:github-GET_issues',
      'provider-429-rate:github',
      'provider-5xx-rate:github',
      'provider-timeouts:github',
    ]);
  });
});

describe('command queue and webhook route rules', () => {
  it('fires command-queue-age once the oldest command is over 15 minutes old for 5 minutes, and command-queue-backlog above 100 for 10', () => {
    let now = T0;
    const monitor = new LocalMonitor({ namespace: NS, now: () => now });
    const queue = new LocalQueue({ name: 'trello-commands', visibilityTimeoutMs: 1000 });
    monitor.provider('trello').writes({ queue });
    const state = (key: string) => monitor.alarms().find((a) => a.key === key)?.state;
    queue.put({ body: '{}', attributes: {}, sentAt: T0 - 15 * MIN });
    for (let i = 0; i < 100; i += 1) queue.put({ body: '{}', attributes: {} });
    for (let m = 0; m < 4; m += 1) {
      now += MIN;
      monitor.tick();
    }
    expect(state('command-queue-age:trello')).toBe('OK');
    now += MIN;
    monitor.tick();
    expect(state('command-queue-age:trello')).toBe('ALARM');
    // 101 visible: above 100, but only for 5 of the 10 minutes so far.
    expect(state('command-queue-backlog:trello')).toBe('OK');
    for (let m = 0; m < 5; m += 1) {
      now += MIN;
      monitor.tick();
    }
    expect(state('command-queue-backlog:trello')).toBe('ALARM');
    queue.purge();
    now += MIN;
    monitor.tick();
    expect([state('command-queue-age:trello'), state('command-queue-backlog:trello')]).toEqual(['OK', 'OK']);
  });

  it('fires api-route-throttled at the first minute with more than 1% of a route throttled, and holds it 5 minutes', () => {
    let now = T0;
    const monitor = new LocalMonitor({ namespace: NS, now: () => now });
    const queue = new LocalQueue({ name: 'github-webhooks', visibilityTimeoutMs: 1000 });
    const dlq = new LocalQueue({ name: 'github-webhooks-dlq', visibilityTimeoutMs: 1000 });
    monitor.provider('github').webhook({ queue, dlq, route: 'ANY /webhooks/github' });
    const state = (key: string) => monitor.alarms().find((a) => a.key === key)?.state;
    const minute = (ok: number, throttled: number, route = 'ANY /webhooks/github') => {
      now += 1;
      for (let i = 0; i < ok; i += 1) monitor.recordApiResponse(200, route);
      for (let i = 0; i < throttled; i += 1) monitor.recordApiResponse(429, route);
      now += MIN - 1;
      monitor.tick();
    };
    minute(200, 2); // 1%: not above
    expect(state('api-route-throttled:github')).toBe('OK');
    minute(50, 0, 'ANY /webhooks/stripe');
    minute(0, 0, 'POST /commands/github');
    expect(state('api-route-throttled:github')).toBe('OK');
    minute(90, 10);
    expect(state('api-route-throttled:github')).toBe('ALARM');
    for (let m = 0; m < 4; m += 1) minute(100, 0);
    expect(state('api-route-throttled:github')).toBe('ALARM');
    minute(100, 0);
    expect(state('api-route-throttled:github')).toBe('OK');
  });

  it('fires api-route-4xx-rate when over 10% of a route is answered 4xx in each of 5 minutes, from 20 requests a minute', () => {
    let now = T0;
    const monitor = new LocalMonitor({ namespace: NS, now: () => now });
    const queue = new LocalQueue({ name: 'github-webhooks', visibilityTimeoutMs: 1000 });
    const dlq = new LocalQueue({ name: 'github-webhooks-dlq', visibilityTimeoutMs: 1000 });
    monitor.provider('github').webhook({ queue, dlq, route: 'ANY /webhooks/github' });
    const alarm = () => monitor.alarms().find((a) => a.key === 'api-route-4xx-rate:github')!;
    const minute = (ok: number, rejected: number) => {
      now += 1;
      for (let i = 0; i < ok; i += 1) monitor.recordApiResponse(200, 'ANY /webhooks/github');
      for (let i = 0; i < rejected; i += 1) monitor.recordApiResponse(401, 'ANY /webhooks/github');
      now += MIN - 1;
      monitor.tick();
    };
    // Too thin to mean anything: 5 of 10 rejected, every minute.
    for (let m = 0; m < 5; m += 1) minute(5, 5);
    expect(alarm()).toMatchObject({ state: 'OK', value: 0 });
    for (let m = 0; m < 4; m += 1) minute(30, 10);
    expect(alarm().state).toBe('OK');
    minute(30, 10);
    expect(alarm()).toMatchObject({ state: 'ALARM', value: 25 });
  });
});
