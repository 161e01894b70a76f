import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../../lambdas/core/client';
import type { ClientEvent, PageResult } from '../../../lambdas/core/client/types';
import { football } from '../../../lambdas/providers/football';
import type { ProviderDefinition } from '../../../lambdas/core/provider';
import { FootballSimulator, type FootballFaultSettings } from '../../../local/simulators';
import { MemorySecrets } from '../../helpers/memory';
import { VirtualTime } from '../../helpers/virtual-time';

const KEY = 'apisports-key-for-client-tests';
const ctx = { traceId: 'trace-inspect' };
let sim: FootballSimulator;
let time: VirtualTime;
afterEach(async () => {
  time?.dispose();
  await sim?.close();
});

async function rig(
  definition: Partial<ProviderDefinition> = {},
  simKey = KEY,
): Promise<{ client: Client; events: ClientEvent[] }> {
  time = new VirtualTime(Date.UTC(2024, 8, 1, 12, 0, 30));
  sim = new FootballSimulator({ key: simKey, seasons: [2024], leagues: 2, pageSize: 3, now: time.now });
  await sim.listen();
  const events: ClientEvent[] = [];
  const client = createClient({
    definition: { ...football, ...definition },
    secrets: new MemorySecrets({ football: { apiKey: KEY } }),
    time,
    baseUrl: sim.url,
    onEvent: (e) => events.push(e),
  });
  return { client, events };
}
const get = (client: Client) => client.request({ path: '/fixtures', query: { date: '2024-08-17' } }, ctx);
const attempts = (events: ClientEvent[]) =>
  events.filter((e): e is Extract<ClientEvent, { type: 'attempt' }> => e.type === 'attempt');

describe("the provider's inspectResponse hook", () => {
  // Without football's header mapping, the limits are seen only in the 200's `errors`.
  const bodyOnly = { rateLimit: { requestsPerSecond: 5, burst: 5 } };

  it('turns a rate limit reported in a 200 into a wait until the time it gives, then a retry', async () => {
    const { client, events } = await rig(bodyOnly);
    sim.faults.update({ football: { perMinute: 1 } } as FootballFaultSettings);
    expect((await get(client)).ok).toBe(true);
    const res = await get(client);
    expect(res.ok).toBe(true);
    const [first, limited, retried] = attempts(events);
    expect([first!.outcome, limited!.outcome, retried!.outcome]).toEqual(['ok', 'rate_limited', 'ok']);
    // API-Football sends no reset time: the wait ends at the next minute, when its window starts again.
    expect(limited!.at + limited!.waitMs!).toBe(Date.UTC(2024, 8, 1, 12, 1));
    expect(limited!.errorMessage).toBe('rateLimit: Too many requests. Your rate limit is 1 requests per minute.');
  });

  it('never retries a spent daily quota, and holds every later call until the next day', async () => {
    const { client, events } = await rig(bodyOnly);
    sim.faults.update({ football: { dailyQuota: 1 } } as FootballFaultSettings);
    await get(client);
    const res = await get(client);
    expect(!res.ok && res.error).toMatchObject({
      kind: 'quota_exhausted',
      resumeAt: Date.UTC(2024, 8, 2),
      attempts: 1,
    });
    const later = await get(client);
    expect(!later.ok && later.error).toMatchObject({
      kind: 'quota_exhausted',
      resumeAt: Date.UTC(2024, 8, 2),
      attempts: 0,
    });
    expect(attempts(events)).toHaveLength(2);
    expect(sim.log('/fixtures')).toHaveLength(2);
  });

  it('reads the daily quota header: once it says 0 left, no call is sent until 00:00 UTC', async () => {
    const { client, events } = await rig();
    sim.faults.update({ football: { dailyQuota: 1 } } as FootballFaultSettings);
    expect((await get(client)).ok).toBe(true);
    const res = await get(client);
    expect(!res.ok && res.error).toMatchObject({
      kind: 'quota_exhausted',
      resumeAt: Date.UTC(2024, 8, 2),
      attempts: 0,
    });
    expect(!res.ok && res.error.message).toContain('x-ratelimit-requests-remaining');
    expect(attempts(events)).toHaveLength(1);
    expect(sim.log('/fixtures')).toHaveLength(1);
    // The next day the quota is back.
    time.advance(Date.UTC(2024, 8, 2, 0, 0, 1) - time.now());
    expect((await get(client)).ok).toBe(true);
  });

  it('reads the per-minute header: at 0 left, the next call waits the minute instead of being refused', async () => {
    const { client, events } = await rig();
    sim.faults.update({ football: { perMinute: 1 } } as FootballFaultSettings);
    expect((await get(client)).ok).toBe(true);
    const started = time.now();
    const res = await get(client);
    expect(res.ok).toBe(true);
    expect(attempts(events).map((a) => a.outcome)).toEqual(['ok', 'ok']);
    expect(attempts(events)[1]!.at - started).toBe(60_000);
  });

  it('makes errors.token an auth error, without a retry and without the key in the message', async () => {
    const { client } = await rig({}, 'another-key');
    const res = await get(client);
    expect(!res.ok && res.error).toMatchObject({ kind: 'auth', attempts: 1 });
    expect(!res.ok && res.error.message).toContain('Missing application key');
    expect(!res.ok && res.error.message).not.toContain(KEY);
  });

  it('keeps a 429 a rate limit when its body holds an error the hook would call permanent', async () => {
    const { client, events } = await rig();
    sim.faults.add({ kind: 'status', status: 429, body: { errors: { plan: 'Upgrade your plan.' } } });
    const res = await get(client);
    expect(res.ok).toBe(true);
    expect(attempts(events).map((a) => a.outcome)).toEqual(['rate_limited', 'ok']);
  });

  it("retries API-Football's documented 499 Time Out", async () => {
    const { client } = await rig();
    sim.faults.add({ kind: 'status', status: 499, body: { message: 'Time Out' } });
    const res = await get(client);
    expect(res.ok && res.value.attempts).toBe(2);
  });

  it('makes a body the hook cannot read a malformed response, never a crash', async () => {
    const { client } = await rig({
      inspectResponse: () => {
        throw new Error('boom');
      },
    });
    const res = await get(client);
    expect(!res.ok && res.error.kind).toBe('malformed_response');
  });

  it('leaves providers without a hook to the common rules', async () => {
    const { client } = await rig({ inspectResponse: undefined });
    sim.faults.update({ football: { dailyQuota: 0 } } as FootballFaultSettings);
    expect((await get(client)).ok).toBe(true);
  });
});

describe('page pagination that omits the first page parameter', () => {
  it('asks page 1 without `page`, then page=2.. up to paging.total', async () => {
    const { client } = await rig();
    const results: PageResult[] = [];
    for await (const r of client.paginate(
      { path: '/fixtures', query: { date: '2024-08-17' } },
      football.polls![0]!.pagination,
      ctx,
    ))
      results.push(r);
    const total = Math.ceil(sim.fixturesOn('2024-08-17').length / 3);
    expect(total).toBeGreaterThan(1);
    expect(results).toHaveLength(total);
    expect(sim.log('/fixtures').map((r) => r.query.page)).toEqual([
      undefined,
      ...Array.from({ length: total - 1 }, (_, i) => String(i + 2)),
    ]);
  });
});
