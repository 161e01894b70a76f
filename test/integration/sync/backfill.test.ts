import { allRecords } from '../../helpers/all-records';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY, day, syncRig, type SyncRig } from '../../helpers/sync-rig';

let rig: SyncRig;
afterEach(async () => rig?.close());

const august = { from: day('2024-08-09'), to: day('2024-08-16') };

describe('backfill over a range', () => {
  it('stores every fixture once, keyed by fixture id and kick-off date, with its fetch time', async () => {
    rig = await syncRig();
    const started = rig.time.now();
    const summary = await rig.run({ range: august });
    const expected = rig.expected('2024-08-09', '2024-08-16');
    expect(expected).toBeGreaterThan(20);
    expect(summary).toMatchObject({
      mode: 'range',
      windows: 7,
      windowsFailed: 0,
      recordsWritten: expected,
      recordsUnchanged: 0,
      gapsOpen: 0,
    });
    expect(summary.pages).toBeGreaterThan(7); // some days need more than one page
    const stored = await allRecords(rig.records, 'football', 'fixture');
    expect(stored).toHaveLength(expected);
    const first = rig.sim.fixturesOn('2024-08-09')[0]!;
    const record = await rig.records.get('football', 'fixture', `${first.id}#2024-08-09`);
    expect(record).toMatchObject({ source: 'fixtures' });
    expect(record!.fetchedAt).toBeGreaterThanOrEqual(started);
    expect(record!.fetchedAt).toBeLessThanOrEqual(rig.time.now());
    expect(record!.data).toMatchObject({
      fixture: { id: first.id, status: { short: 'FT' } },
      league: { season: 2024 },
      goals: { home: first.goalsHome, away: first.goalsAway },
    });
  });

  it('asks for each day by `date`, the first page without `page` and the next ones with it', async () => {
    rig = await syncRig();
    await rig.run({ range: { from: day('2024-08-10'), to: day('2024-08-11') } });
    const total = Math.ceil(rig.sim.fixturesOn('2024-08-10').length / 5);
    expect(total).toBeGreaterThan(1);
    expect(rig.pageRequests()).toEqual([
      { date: '2024-08-10', page: undefined },
      ...Array.from({ length: total - 1 }, (_, i) => ({ date: '2024-08-10', page: String(i + 2) })),
    ]);
  });

  it('writes nothing the second time: unchanged records cost a read, never a write', async () => {
    rig = await syncRig();
    await rig.run({ range: august });
    rig.commands.length = 0;
    const again = await rig.run({ range: august });
    expect(again.recordsWritten).toBe(0);
    expect(again.recordsUnchanged).toBe(rig.expected('2024-08-09', '2024-08-16'));
    expect(rig.commands.filter((c) => c === 'PutItem')).toEqual([]);
    // One read per page with records (a day without fixtures is one empty page).
    const emptyDays = ['09', '10', '11', '12', '13', '14', '15'].filter(
      (d) => rig.sim.fixturesOn(`2024-08-${d}`).length === 0,
    ).length;
    expect(rig.commands.filter((c) => c === 'BatchGetItem').length).toBe(again.pages - emptyDays);
  });

  it('writes a fixture again when its content changed, and only that one', async () => {
    rig = await syncRig();
    await rig.run({ range: august });
    const changed = rig.sim.fixturesOn('2024-08-11')[2]!;
    rig.sim.edit(changed.id, (f) => ({ ...f, goals: { home: 9, away: 9 } }));
    rig.time.advance(60_000);
    const before = rig.time.now();
    const again = await rig.run({ range: august });
    expect(again.recordsWritten).toBe(1);
    const record = await rig.records.get('football', 'fixture', `${changed.id}#2024-08-11`);
    expect(record!.data.goals).toEqual({ home: 9, away: 9 });
    expect(record!.fetchedAt).toBeGreaterThanOrEqual(before);
  });
});

describe('scheduled runs', () => {
  it('start at the start date, advance the checkpoint window by window, and the next run continues from it', async () => {
    rig = await syncRig({ poll: { window: { sizeMs: DAY, start: '2024-08-20', lookbackMs: 0, aheadMs: 0 } } });
    const first = await rig.run();
    // 20 Aug .. 1 Sep: twelve days over, and today, which is fetched but not final.
    expect(first).toMatchObject({ mode: 'scheduled', windows: 13, cursor: day('2024-09-01') });
    expect((await rig.state.getCheckpoint('football', 'fixtures'))?.cursor).toBe(day('2024-09-01'));
    rig.sim.requests.length = 0;
    rig.time.advance(DAY);
    const second = await rig.run();
    expect(second).toMatchObject({ windows: 2, cursor: day('2024-09-02') });
    expect(new Set(rig.pageRequests().map((r) => r.date))).toEqual(new Set(['2024-09-01', '2024-09-02']));
  });

  it('fetch the lookback again each run (late corrections) and the days ahead (the schedule)', async () => {
    rig = await syncRig({ poll: { window: { sizeMs: DAY, start: '2024-08-30', lookbackMs: DAY, aheadMs: 2 * DAY } } });
    await rig.run();
    rig.sim.requests.length = 0;
    await rig.run();
    expect(new Set(rig.pageRequests().map((r) => r.date))).toEqual(
      new Set(['2024-08-31', '2024-09-01', '2024-09-02', '2024-09-03']),
    );
  });

  it('skip while another run holds the lease', async () => {
    rig = await syncRig({ poll: { window: { sizeMs: DAY, start: '2024-08-30', lookbackMs: 0, aheadMs: 0 } } });
    expect(
      await rig.state.acquireLease('football', 'fixtures', 'someone-else', rig.time.now(), rig.time.now() + 60_000),
    ).toBe(true);
    const skipped = await rig.run();
    expect(skipped).toMatchObject({ stopped: 'busy', requests: 0 });
    rig.time.advance(61_000);
    expect((await rig.run()).stopped).toBeUndefined();
  });

  it('report GapsOpen, RecordsWritten and RecordsUnchanged per provider and poll', async () => {
    rig = await syncRig({ poll: { window: { sizeMs: DAY, start: '2024-08-30', lookbackMs: 0, aheadMs: 0 } } });
    const s = await rig.run();
    expect(rig.telemetry.count('RecordsWritten', { provider: 'football', operation: 'fixtures' })).toBe(
      s.recordsWritten,
    );
    expect(rig.telemetry.metrics.filter((m) => m.name === 'GapsOpen' && m.dims.operation === 'fixtures')).toEqual([
      { name: 'GapsOpen', value: 0, dims: { provider: 'football', operation: 'fixtures' } },
    ]);
    // The same window again: what it fetches is stored already.
    const again = await rig.run();
    expect(again.recordsUnchanged).toBeGreaterThan(0);
    expect(rig.telemetry.count('RecordsUnchanged', { provider: 'football', operation: 'fixtures' })).toBe(
      s.recordsUnchanged + again.recordsUnchanged,
    );
  });
});
