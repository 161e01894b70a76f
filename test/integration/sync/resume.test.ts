import { allRecords } from '../../helpers/all-records';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncRecordStore } from '../../../lambdas/core/records';
import type { SyncStateStore } from '../../../lambdas/core/sync/state';
import { DAY, day, overriding, syncRig, type SyncRig } from '../../helpers/sync-rig';

let rig: SyncRig;
afterEach(async () => rig?.close());

const since = (start: string) => ({ window: { sizeMs: DAY, start, lookbackMs: 0, aheadMs: 0 } });
const keys = (r: SyncRig) => r.pageRequests().map((q) => `${q.date}/${q.page ?? 1}`);

describe('runs that stop and start again', () => {
  it('a crash between two windows loses no window and writes none twice', async () => {
    rig = await syncRig({ poll: since('2024-08-28') });
    let crashed = false;
    const dying = overriding<SyncStateStore>(rig.state, {
      advance: async () => {
        crashed = true;
        throw new Error('the process was killed');
      },
      // A killed process releases nothing: its lease runs out.
      releaseLease: async () => undefined,
    });
    await expect(rig.run({ state: dying })).rejects.toThrow('killed');
    expect(crashed).toBe(true);
    const firstDay = rig.expected('2024-08-28', '2024-08-29');
    expect(await allRecords(rig.records, 'football', 'fixture')).toHaveLength(firstDay);

    expect(await rig.run()).toMatchObject({ stopped: 'busy' });
    rig.time.advance(16 * 60_000);
    const again = await rig.run();
    expect(again).toMatchObject({
      recordsUnchanged: firstDay,
      recordsWritten: rig.expected('2024-08-28', '2024-09-02') - firstDay,
    });
    expect(await allRecords(rig.records, 'football', 'fixture')).toHaveLength(rig.expected('2024-08-28', '2024-09-02'));
  });

  it('a run short of time stops cleanly mid-window, and the next continues from that page: a long backfill finishes across runs without repeating a page', async () => {
    rig = await syncRig({ sim: { pageSize: 2 }, poll: since('2024-08-20') });
    // Each request takes 2 s; each run has 30 s (the poller's timeout).
    rig.client.onEvent((e) => e.type === 'attempt' && rig.time.advance(2_000));
    const summaries = [];
    const resumed: { date: string; page: string; at: number }[] = [];
    for (let i = 0; i < 30; i += 1) {
      const deadline = rig.time.now() + 30_000;
      const s = await rig.run({ remainingMs: () => deadline - rig.time.now() });
      summaries.push(s);
      expect(rig.time.now()).toBeLessThan(deadline);
      if (!s.stopped) break;
      expect(s.stopped).toBe('deadline');
      const left = (await rig.state.getCheckpoint('football', 'fixtures'))?.inProgress;
      if (left)
        resumed.push({
          date: new Date(left.from).toISOString().slice(0, 10),
          page: String(left.position.page),
          at: rig.sim.requests.length,
        });
    }
    // Some runs stopped inside a window; the next one asked for exactly the page after the last one stored.
    expect(resumed.filter((r) => r.page !== '1').length).toBeGreaterThan(0);
    for (const r of resumed)
      expect(rig.pageRequests()[r.at]).toEqual({ date: r.date, page: r.page === '1' ? undefined : r.page });
    expect(summaries.length).toBeGreaterThanOrEqual(4);
    expect(summaries.at(-1)!.stopped).toBeUndefined();
    // Today's window is fetched by every run that reaches it; every earlier page exactly once.
    const past = keys(rig).filter((k) => !k.startsWith('2024-09-0'));
    expect(past.length).toBe(new Set(past).size);
    expect(summaries.reduce((n, s) => n + s.recordsWritten, 0)).toBe(rig.expected('2024-08-20', '2024-09-02'));
    const checkpoint = await rig.state.getCheckpoint('football', 'fixtures');
    expect(checkpoint).toMatchObject({ cursor: day('2024-09-01') });
    expect(checkpoint?.inProgress).toBeUndefined();
  });

  it('a rate limit that lasts past the deadline keeps the page position and pauses until the provider says', async () => {
    rig = await syncRig({ poll: since('2024-08-30') });
    rig.sim.faults.add({ kind: 'status', status: 429, retryAfter: { seconds: 120 } }, { match: { path: '/fixtures' } });
    const deadline = rig.time.now() + 60_000;
    const s = await rig.run({ remainingMs: () => deadline - rig.time.now() });
    expect(s).toMatchObject({ stopped: 'rate_limited', gapsOpen: 0, resumeAt: rig.time.now() + 120_000 });
    expect(await rig.state.getCheckpoint('football', 'fixtures')).toMatchObject({ resumeAt: s.resumeAt });
    expect(await rig.run()).toMatchObject({ stopped: 'paused', requests: 0 });
    rig.time.advance(121_000);
    const after = await rig.run();
    expect(after.stopped).toBeUndefined();
    expect(await allRecords(rig.records, 'football', 'fixture')).toHaveLength(rig.expected('2024-08-30', '2024-09-02'));
  });

  it('gaps are drained first, a bounded number per run, and GapsOpen follows them', async () => {
    rig = await syncRig({ poll: { ...since('2024-09-01'), gapsPerRun: 2 } });
    rig.sim.faults.add(
      {
        kind: 'status',
        status: 200,
        body: {
          get: 'fixtures',
          parameters: [],
          errors: { league: 'The League field must contain an integer.' },
          results: 0,
          paging: { current: 1, total: 1 },
          response: [],
        },
      },
      { match: { path: '/fixtures' }, times: 3 },
    );
    const broken = await rig.run({ range: { from: day('2024-08-09'), to: day('2024-08-14') } });
    expect(broken).toMatchObject({ gapsOpen: 3, windows: 2 });
    const gaps = await rig.state.gaps('football', 'fixtures');
    expect(gaps.map((g) => [g.errorKind, g.attempts])).toEqual([
      ['permanent', 1],
      ['permanent', 1],
      ['permanent', 1],
    ]);
    rig.sim.requests.length = 0;
    const first = await rig.run();
    expect(first).toMatchObject({ gapsClosed: 2, gapsOpen: 1 });
    expect(rig.pageRequests()[0]!.date).toBe('2024-08-09');
    const second = await rig.run();
    expect(second).toMatchObject({ gapsClosed: 1, gapsOpen: 0 });
    const gauge = rig.telemetry.metrics
      .filter((m) => m.name === 'GapsOpen' && m.dims.operation === 'fixtures')
      .map((m) => m.value);
    expect(gauge).toEqual([3, 1, 0]);
  });
});

describe('gaps that keep failing', () => {
  it("reports the oldest gap's age and the gaps failed 3 times after every run, and logs each one that keeps failing", async () => {
    rig = await syncRig({ poll: since('2024-09-01') });
    // API-Football's errors-in-200 for a bad parameter: permanent, so the window fails without a retry.
    const refuse = () =>
      rig.sim.faults.add(
        {
          kind: 'status',
          status: 200,
          body: {
            get: 'fixtures',
            parameters: [],
            errors: { league: 'The League field must contain an integer.' },
            results: 0,
            paging: { current: 1, total: 1 },
            response: [],
          },
        },
        { match: { path: '/fixtures' } },
      );
    refuse();
    await rig.run({ range: { from: day('2024-08-09'), to: day('2024-08-10') } });
    // Scheduled runs 15 minutes apart drain the gap first: it fails four more times, then heals.
    for (let run = 1; run <= 5; run += 1) {
      rig.time.advance(15 * 60_000);
      if (run < 5) refuse();
      await rig.run();
    }
    const gauge = (name: string) =>
      rig.telemetry.metrics.filter((m) => m.name === name && m.dims.operation === 'fixtures').map((m) => m.value);
    expect(gauge('GapsOpen')).toEqual([1, 1, 1, 1, 1, 0]);
    expect(gauge('OldestGapAgeMs')).toEqual([0, 15, 30, 45, 60, 0].map((m) => m * 60_000));
    expect(gauge('GapsFailing')).toEqual([0, 0, 1, 1, 1, 0]);
    expect(
      rig.telemetry.logs.filter((l) => l.message === 'sync gap keeps failing').map((l) => l.fields?.attempts),
    ).toEqual([3, 4, 5]);
  });
});

describe('two runs at once', () => {
  it('a scheduled run and a backfill over the same days: no duplicate, every record written once', async () => {
    rig = await syncRig({ poll: since('2024-08-25') });
    const [scheduled, backfill] = await Promise.all([
      rig.run(),
      rig.run({ range: { from: day('2024-08-25'), to: day('2024-09-02') } }),
    ]);
    const expected = rig.expected('2024-08-25', '2024-09-02');
    expect(await allRecords(rig.records, 'football', 'fixture')).toHaveLength(expected);
    expect(scheduled.recordsWritten + backfill.recordsWritten).toBe(expected);
    expect(
      scheduled.recordsUnchanged + backfill.recordsUnchanged + scheduled.recordsStale + backfill.recordsStale,
    ).toBe(expected);
  });

  it('a backfill that fetched before a scheduled run but writes after it cannot put the old data back', async () => {
    rig = await syncRig({ sim: { pageSize: 50 } });
    const date = '2024-08-31';
    const target = rig.sim.fixturesOn(date)[0]!;
    const key = `${target.id}#${date}`;
    const oneDay = { from: day(date), to: day(date) + DAY };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let fetched = false;
    const slow = overriding<SyncRecordStore>(rig.records, {
      putIfChanged: async (...args) => {
        fetched = true;
        return gate.then(() => rig.records.putIfChanged(...args));
      },
    });

    const backfill = rig.run({ range: oneDay, records: slow });
    while (!fetched) await new Promise((r) => setTimeout(r, 5));
    // The provider corrects the score; a later run fetches and stores it.
    rig.sim.edit(target.id, (f) => ({ ...f, goals: { home: 7, away: 0 } }));
    rig.time.advance(60_000);
    const scheduled = await rig.run({ range: oneDay });
    expect(scheduled.recordsWritten).toBe(rig.sim.fixturesOn(date).length);
    release();
    const late = await backfill;
    expect(late).toMatchObject({
      recordsWritten: 0,
      recordsStale: 1,
      recordsUnchanged: rig.sim.fixturesOn(date).length - 1,
    });
    const stored = await rig.records.get('football', 'fixture', key);
    expect(stored!.data.goals).toEqual({ home: 7, away: 0 });
  });
});
