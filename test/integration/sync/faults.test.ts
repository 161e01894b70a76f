import { allRecords } from '../../helpers/all-records';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { FootballFaultSettings } from '../../../local/simulators';
import { fixturesPoll } from '../../../lambdas/providers/football';
import { DAY, day, KEY, syncRig, type SyncRig } from '../../helpers/sync-rig';

let rig: SyncRig;
afterEach(async () => rig?.close());

const range = (from: string, to: string) => ({ from: day(from), to: day(to) });
const recent = { window: { sizeMs: DAY, start: '2024-08-25', lookbackMs: 0, aheadMs: 0 } };

describe('errors API-Football reports with HTTP 200', () => {
  it('a bad key (errors.token) is an auth error: no retry, the window becomes a gap, the run stops', async () => {
    rig = await syncRig({ sim: { key: 'not-the-key-we-send' } });
    const s = await rig.run({ range: range('2024-08-09', '2024-08-12') });
    expect(s).toMatchObject({ stopped: 'auth', requests: 1, windows: 0, gapsOpen: 3 });
    expect(s.error!.message).toContain('token: Error/Missing application key');
    const [gap] = await rig.state.gaps('football', 'fixtures');
    expect(gap).toMatchObject({ from: day('2024-08-09'), errorKind: 'auth', attempts: 1 });
    expect(rig.telemetry.text()).not.toContain(KEY);
  });

  it('the per-minute limit: X-RateLimit-Remaining at 0 holds calls for the minute, so none is refused, and the sync goes on', async () => {
    rig = await syncRig();
    rig.sim.faults.update({ football: { perMinute: 3 } } as FootballFaultSettings);
    const started = rig.time.now();
    const s = await rig.run({ range: range('2024-08-09', '2024-08-13') });
    expect(s).toMatchObject({ windows: 4, gapsOpen: 0, recordsWritten: rig.expected('2024-08-09', '2024-08-13') });
    expect(s.http429).toBe(0);
    expect(rig.sim.log('/fixtures').length).toBeGreaterThan(3);
    // More than three requests at three a minute: the run waited at least one window.
    expect(rig.time.now() - started).toBeGreaterThanOrEqual(60_000);
    // (errors.rateLimit, when it comes anyway, waits for the next minute: test/integration/client/inspect-response.test.ts)
  });

  it('a spent daily quota (errors.requests) stops the sync until the next day, without a retry, and it resumes then', async () => {
    rig = await syncRig({ poll: recent });
    rig.sim.faults.update({ football: { dailyQuota: 3 } } as FootballFaultSettings);
    const first = await rig.run();
    // The third answer says none are left today (x-ratelimit-requests-remaining: 0): no fourth request is sent.
    expect(first).toMatchObject({ stopped: 'quota_exhausted', requests: 3, resumeAt: day('2024-09-02') });
    expect(first.error!.message).toMatch(/daily request quota spent \(x-ratelimit-requests-remaining: 0\)/);
    expect(
      rig.telemetry.logs.find((l) => l.message === 'provider quota exhausted: sync paused until it resets')?.fields,
    ).toMatchObject({ resume_at: '2024-09-02T00:00:00.000Z' });

    const paused = await rig.run();
    expect(paused).toMatchObject({ stopped: 'paused', requests: 0 });

    // Each new day brings three more requests; the sync goes on where it stopped until it is done.
    let stops = 1;
    for (let days = 1; days < 20; days += 1) {
      rig.time.advance(day('2024-09-01') + days * DAY - rig.time.now() + 1000);
      const next = await rig.run();
      if (!next.stopped) break;
      expect(next).toMatchObject({
        stopped: 'quota_exhausted',
        requests: 3,
        resumeAt: day('2024-09-01') + (days + 1) * DAY,
      });
      stops += 1;
    }
    const today = new Date(rig.time.now()).toISOString().slice(0, 10);
    expect((await rig.state.getCheckpoint('football', 'fixtures'))?.cursor).toBe(day(today));
    // A day already over when fetched is never fetched again, but for the requests the quota refused.
    const final = rig.sim.log('/fixtures').filter((r) => r.at >= day(r.query.date!) + DAY);
    const asked = final.map((r) => `${r.query.date}/${r.query.page ?? 1}`);
    expect(asked.length - new Set(asked).size).toBeLessThanOrEqual(stops);
    expect(await allRecords(rig.records, 'football', 'fixture')).toHaveLength(
      rig.expected('2024-08-25', new Date(day(today) + DAY).toISOString().slice(0, 10)),
    );
  });
});

describe('bad responses', () => {
  it('an envelope that fails validation fails its window (a gap), the next windows go on, a later run heals it', async () => {
    rig = await syncRig({ poll: { window: { sizeMs: DAY, start: '2024-09-01', lookbackMs: 0, aheadMs: 0 } } });
    rig.sim.faults.add(
      { kind: 'status', status: 200, body: { get: 'fixtures', errors: [], response: 'not a list' } },
      { match: { path: '/fixtures' } },
    );
    const s = await rig.run({ range: range('2024-08-09', '2024-08-12') });
    expect(s).toMatchObject({ windows: 2, windowsFailed: 1, gapsOpen: 1 });
    const [gap] = await rig.state.gaps('football', 'fixtures');
    expect(gap).toMatchObject({ from: day('2024-08-09'), errorKind: 'malformed_response', attempts: 1 });
    expect(gap!.lastError).toMatch(/^response envelope: /);

    const healed = await rig.run();
    expect(healed).toMatchObject({ gapsClosed: 1, gapsOpen: 0 });
    expect(await rig.state.gaps('football', 'fixtures')).toEqual([]);
    expect(await allRecords(rig.records, 'football', 'fixture')).toHaveLength(
      rig.expected('2024-08-09', '2024-08-12') + rig.expected('2024-09-01', '2024-09-02'),
    );
  });

  it('a record that fails validation is quarantined with its reason; the rest are written', async () => {
    rig = await syncRig();
    rig.sim.faults.update({ invalidEvery: 5 });
    const s = await rig.run({ range: range('2024-08-09', '2024-08-16') });
    const bad = rig.sim.fixtures.filter(
      (f) => f.kickoff >= day('2024-08-09') && f.kickoff < day('2024-08-16') && f.id % 5 === 0,
    );
    expect(bad.length).toBeGreaterThan(0);
    expect(s).toMatchObject({
      recordsQuarantined: bad.length,
      recordsWritten: rig.expected('2024-08-09', '2024-08-16') - bad.length,
      gapsOpen: 0,
    });
    const { Items } = await rig.dynamo.doc.send(
      new QueryCommand({
        TableName: 'quarantine',
        KeyConditionExpression: 'poll = :p',
        ExpressionAttributeValues: { ':p': 'football#fixtures' },
      }),
    );
    expect(Items).toHaveLength(bad.length);
    expect(Items![0]).toMatchObject({
      reason: expect.stringMatching(/fixture\.id invalid_type/),
      seen: 1,
      window: { from: expect.any(Number) },
    });
    expect(rig.telemetry.count('RecordsQuarantined', { provider: 'football' })).toBe(bad.length);
  });

  it('counts records quarantined by the schema and by the mapping under the operation the requests use', async () => {
    // The mapping refuses fixtures whose id ends in 7; the schema refuses every fifth.
    rig = await syncRig({
      poll: {
        record: (f: unknown) => {
          const fixture = f as Parameters<typeof fixturesPoll.record>[0];
          if (fixture.fixture.id % 10 === 7) throw new Error('unmappable fixture');
          return fixturesPoll.record(fixture);
        },
      },
    });
    rig.sim.faults.update({ invalidEvery: 5 });
    const s = await rig.run({ range: range('2024-08-09', '2024-08-16') });
    const inRange = rig.sim.fixtures.filter((f) => f.kickoff >= day('2024-08-09') && f.kickoff < day('2024-08-16'));
    const unmappable = inRange.filter((f) => f.id % 5 !== 0 && f.id % 10 === 7).length;
    expect(unmappable).toBeGreaterThan(0);
    expect(s.recordsQuarantined).toBe(inRange.filter((f) => f.id % 5 === 0).length + unmappable);
    const requests = new Set(
      rig.telemetry.metrics.filter((m) => m.name === 'Requests' && m.dims.operation).map((m) => m.dims.operation),
    );
    expect([...requests]).toEqual(['GET /fixtures']);
    expect(rig.telemetry.count('RecordsQuarantined', { provider: 'football', operation: 'GET /fixtures' })).toBe(
      s.recordsQuarantined,
    );
    expect(rig.telemetry.count('RecordsQuarantined', { provider: 'football' })).toBe(s.recordsQuarantined);
  });
});

describe('a page that times out mid-sync', () => {
  const busyDay = (r: SyncRig) =>
    ['2024-08-10', '2024-08-11', '2024-08-12', '2024-08-13'].find((d) => r.sim.fixturesOn(d).length >= 5)!;
  /** Hangs the second page of the next window `times` times. */
  const hangPageTwo = (r: SyncRig, times: number) => {
    const off = r.client.onEvent((e) => {
      if (e.type === 'page' && e.page === 1 && !e.errorCode) {
        r.sim.faults.add({ kind: 'hang' }, { match: { path: '/fixtures' }, times });
        off();
      }
    });
  };

  it('is retried, and the window completes', async () => {
    rig = await syncRig({ sim: { pageSize: 2 } });
    const d = busyDay(rig);
    hangPageTwo(rig, 1);
    const s = await rig.run({
      range: range(
        d,
        d.replace(/\d\d$/, (x) => String(Number(x) + 1).padStart(2, '0')),
      ),
    });
    expect(s).toMatchObject({ windows: 1, retries: 1, gapsOpen: 0, recordsWritten: rig.sim.fixturesOn(d).length });
    expect(rig.telemetry.count('Timeouts', { provider: 'football' })).toBe(1);
  });

  it('that keeps timing out leaves a gap at that page, and the next run continues from it', async () => {
    rig = await syncRig({
      sim: { pageSize: 2 },
      poll: { window: { sizeMs: DAY, start: '2024-09-01', lookbackMs: 0, aheadMs: 0 } },
    });
    const d = busyDay(rig);
    hangPageTwo(rig, 4);
    const s = await rig.run({
      range: range(
        d,
        d.replace(/\d\d$/, (x) => String(Number(x) + 1).padStart(2, '0')),
      ),
    });
    expect(s).toMatchObject({ windows: 0, gapsOpen: 1 });
    const [gap] = await rig.state.gaps('football', 'fixtures');
    expect(gap).toMatchObject({ errorKind: 'timeout', attempts: 1, position: { page: 2 } });
    rig.sim.requests.length = 0;
    const healed = await rig.run();
    expect(healed).toMatchObject({ gapsClosed: 1, gapsOpen: 0 });
    expect(rig.pageRequests()[0]).toEqual({ date: d, page: '2' });
    expect((await allRecords(rig.records, 'football', 'fixture')).filter((r) => r.key.endsWith(d))).toHaveLength(
      rig.sim.fixturesOn(d).length,
    );
  });
});

describe('a provider that is down', () => {
  it('opens the circuit: the run stops instead of failing every window, and nothing is lost', async () => {
    rig = await syncRig();
    rig.sim.faults.add(
      { kind: 'status', status: 503 },
      { match: { path: '/fixtures' }, times: Number.POSITIVE_INFINITY },
    );
    const s = await rig.run({ range: range('2024-08-09', '2024-08-16') });
    expect(s).toMatchObject({ stopped: 'circuit_open', windows: 0, gapsOpen: 7 });
    expect(s.requests).toBeLessThanOrEqual(6);
  });
});
