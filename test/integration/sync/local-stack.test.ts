import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LastKnown } from '../../../lambdas/core/sync/read-records';
import type { RunSummary } from '../../../lambdas/core/sync/run-poll';
import type { PollerHandler } from '../../../lambdas/handlers/poller';
import { LocalScheduler, rateMs } from '../../../local/scheduler';
import type { LocalStack } from '../../../local/stack';
import type { LogCapture } from '../../helpers/log-capture';
import { testStack, until } from '../../helpers/local-stack';

const DAY = 86_400_000;
let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, logs, close } = await testStack({ polls: { autoStart: false, startBackMs: DAY } }));
});
afterAll(async () => close());

const records = async (): Promise<LastKnown> =>
  (await (await fetch(`${stack.url}/records/football/fixture?limit=1000`)).json()) as LastKnown;

describe('the football poll on the local stack', () => {
  let first: RunSummary;

  it('runs the poller handler module with the scheduled event against the simulator', async () => {
    first = await stack.polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' });
    // Yesterday, today and tomorrow (the poll looks a day ahead).
    expect(first).toMatchObject({ mode: 'scheduled', windows: 3, windowsFailed: 0, gapsOpen: 0 });
    expect(first.recordsWritten).toBeGreaterThan(0);
    expect(logs.metric('GapsOpen', { provider: 'football', operation: 'fixtures' })).toBe(0);
    expect(logs.metric('RecordsWritten', { provider: 'football', operation: 'fixtures' })).toBe(first.recordsWritten);
    expect(logs.leaked([await stack.secrets.get('football', 'apiKey')])).toEqual([]);
  });

  it('serves the last known records with their fetch time, and still does when the provider is down', async () => {
    const before = await records();
    expect(before.records).toHaveLength(first.recordsWritten);
    expect(before.lastSyncedAt).toEqual(expect.any(Number));
    expect(before.records[0]).toMatchObject({
      key: expect.stringMatching(/^\d+#\d{4}-\d{2}-\d{2}$/),
      fetchedAt: expect.any(Number),
      source: 'fixtures',
    });

    const sim = stack.polls!.simulators.football!;
    sim.faults.add(
      { kind: 'status', status: 503, body: { message: 'Service Unavailable' } },
      { match: { path: '/fixtures' }, times: Number.POSITIVE_INFINITY },
    );
    const down = await stack.polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' });
    expect(down.windows).toBe(0);
    expect(down.stopped).toBe('circuit_open');

    const after = await records();
    expect(after).toEqual(before);
    sim.faults.clear();
  });

  it('sends a failed invocation to the scheduler DLQ with its reason, as Lambda does', async () => {
    await expect(stack.polls!.scheduler.invoke({ provider: 'football', poll: 'nope' })).rejects.toThrow(
      'unknown poll football/nope',
    );
    const [message] = stack.polls!.dlq.receive(1);
    expect(JSON.parse(message!.body)).toMatchObject({
      requestPayload: { provider: 'football', poll: 'nope' },
      responsePayload: { errorType: 'IntegrationError', errorMessage: 'unknown poll football/nope' },
    });
  });
});

describe('LocalScheduler', () => {
  it('reads rate expressions', () => {
    expect(rateMs('rate(15 minutes)')).toBe(900_000);
    expect(rateMs('rate(1 hour)')).toBe(3_600_000);
    expect(rateMs('cron(0 3 * * ? *)')).toBeUndefined();
  });

  it('invokes at start and then on its interval, with the scheduled event and a context counting down from the timeout', async () => {
    const seen: { event: unknown; remaining: number; later: number }[] = [];
    const handler: PollerHandler = async (event, context) => {
      const remaining = context.getRemainingTimeInMillis();
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push({ event, remaining, later: context.getRemainingTimeInMillis() });
      return {} as RunSummary;
    };
    const scheduler = new LocalScheduler(handler, { functionName: 'poller', timeoutMs: 300_000 }).add(
      { provider: 'football', poll: 'fixtures' },
      20,
    );
    scheduler.start();
    await until(() => (seen.length >= 3 ? true : undefined), 'three invocations');
    await scheduler.stop();
    // Each invocation gets the scheduled event and a fresh context, counting down from the poller's timeout.
    for (const { event, remaining, later } of seen) {
      expect(event).toEqual({ provider: 'football', poll: 'fixtures' });
      expect(remaining).toBeGreaterThan(299_000);
      expect(remaining).toBeLessThanOrEqual(300_000);
      expect(later).toBeLessThan(remaining);
    }
  });
});
