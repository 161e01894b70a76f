import { describe, expect, it } from 'vitest';
import { busEntry, entryBytes, MAX_ENTRY_BYTES, recordPath } from '../../../lambdas/core/changes/bus-entry';
import { changeEventId, detectChange } from '../../../lambdas/core/changes/detect';
import { changedFields, valueAt } from '../../../lambdas/core/changes/diff';
import { changeDetailSchema } from '../../../lambdas/core/changes/schema';
import type { StoredRecord } from '../../../lambdas/core/records';
import * as z from 'zod/mini';

const fixture = (short: string, goals: [number | null, number | null]) => ({
  fixture: { id: 1035037, status: { long: short === 'FT' ? 'Match Finished' : 'Second Half', short, elapsed: 90 } },
  teams: { home: { name: 'Arsenal' }, away: { name: 'Chelsea' } },
  goals: { home: goals[0], away: goals[1] },
});

const polled = (data: Record<string, unknown>, fetchedAt: number): StoredRecord => ({
  pk: 'football#fixture#1035037#2024-08-16',
  provider: 'football',
  type: 'fixture',
  key: '1035037#2024-08-16',
  data,
  fetchedAt,
  writtenAt: fetchedAt + 5,
  source: 'fixtures',
});

const issue = (labels: string[], version: number, title = 'Broken export'): StoredRecord => ({
  pk: 'github#issue#octo/repo#7',
  provider: 'github',
  type: 'issue',
  key: 'octo/repo#7',
  version,
  data: { action: 'opened', number: 7, title, labels: labels.map((name) => ({ name })) },
  eventId: `delivery-${version}`,
  receivedAt: version,
  writtenAt: version + 1,
});

describe('a record change, decided from content', () => {
  it('calls a new record created, with the record and no changed fields', () => {
    const d = detectChange(undefined, issue(['bug'], 1000))!;
    expect(d).toMatchObject({
      provider: 'github',
      type: 'issue',
      key: 'octo/repo#7',
      version: 1000,
      change: 'created',
      changed: {},
      origin: 'webhook',
    });
    expect(d.record).toEqual(issue(['bug'], 1000).data);
    expect(z.safeParse(changeDetailSchema, d).success).toBe(true);
  });

  it('calls a newer version with other data changed, listing each leaf that differs by its dot path', () => {
    const d = detectChange(polled(fixture('2H', [1, 1]), 100), polled(fixture('FT', [2, 1]), 200))!;
    expect(d.change).toBe('changed');
    expect(d.version).toBe(200);
    expect(d.origin).toBe('poll:fixtures');
    expect(d.changed).toEqual({
      'fixture.status.long': { from: 'Second Half', to: 'Match Finished' },
      'fixture.status.short': { from: '2H', to: 'FT' },
      'goals.home': { from: 1, to: 2 },
    });
  });

  it('finds no change in a newer version with the same content, whatever order its keys come in', () => {
    const before = issue(['bug'], 1000);
    const after = { ...issue(['bug'], 2000), data: Object.fromEntries(Object.entries(before.data).reverse()) };
    expect(detectChange(before, after)).toBeUndefined();
  });

  it('compares arrays whole, and marks fields that appear or go', () => {
    expect(
      changedFields({ labels: [{ name: 'a' }], gone: 1 }, { labels: [{ name: 'a' }, { name: 'bug' }], new: 2 }),
    ).toEqual({
      labels: { from: [{ name: 'a' }], to: [{ name: 'a' }, { name: 'bug' }] },
      gone: { from: 1 },
      new: { to: 2 },
    });
    expect(valueAt({ a: { b: [1] } }, 'a.b')).toEqual([1]);
    expect(valueAt({ a: 1 }, 'a.b')).toBeUndefined();
  });

  it('gives the same state the same event id, and another content or version another one', () => {
    const a = detectChange(undefined, issue(['bug'], 1000))!;
    expect(detectChange(undefined, issue(['bug'], 1000))!.eventId).toBe(a.eventId);
    expect(detectChange(undefined, issue(['bug'], 1001))!.eventId).not.toBe(a.eventId);
    expect(detectChange(undefined, issue(['bug'], 1000, 'Other'))!.eventId).not.toBe(a.eventId);
    expect(a.eventId).toMatch(/^[0-9a-f]{64}$/);
    expect(changeEventId({ provider: 'p', type: 't', key: 'k', version: 1, data: { b: 1, a: 2 } })).toBe(
      changeEventId({ provider: 'p', type: 't', key: 'k', version: 1, data: { a: 2, b: 1 } }),
    );
  });

  it('versions a polled record without a provider version by its fetch time', () => {
    expect(detectChange(undefined, polled(fixture('NS', [null, null]), 12345))!.version).toBe(12345);
  });
});

describe('the bus entry: within EventBridge 256 KB', () => {
  it('is source integration.<provider>, detail-type <type>.<change>, the detail as JSON', () => {
    const d = detectChange(undefined, issue(['bug'], 1000))!;
    const e = busEntry(d);
    expect(e).toMatchObject({ source: 'integration.github', detailType: 'issue.created' });
    expect(JSON.parse(e.detail)).toEqual(d);
  });

  it("leaves a big record's biggest fields out, names them, and points at the records API for the whole", () => {
    const big = { ...issue(['bug'], 1000), data: { ...issue(['bug'], 1000).data, body: 'x'.repeat(300_000) } };
    const d = detectChange(issue(['bug'], 900), big)!;
    const e = busEntry(d);
    const detail = JSON.parse(e.detail);
    expect(entryBytes(e)).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    expect(detail.record).toEqual(issue(['bug'], 1000).data);
    expect(detail.omitted).toEqual(['body']);
    expect(detail.recordUrl).toBe('/records/github/issue?key=octo%2Frepo%237');
    expect(recordPath(d)).toBe(detail.recordUrl);
    // The changed value is that field's: its path stays, its values go.
    expect(detail.changed.body).toEqual({ omitted: true });
  });

  it('leaves out the values of the biggest changed fields when a record of many small fields is still too big', () => {
    const fields = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`f${i}`, 'y'.repeat(500)]));
    const before = { ...issue(['bug'], 900), data: { ...fields, title: 'Old' } };
    const after = {
      ...before,
      version: 1000,
      data: Object.fromEntries(Object.keys(before.data).map((k) => [k, `${k}!`])),
    };
    const detail = JSON.parse(busEntry(detectChange(before, after)!).detail);
    expect(Object.keys(detail.changed)).toHaveLength(601);
    expect(Object.values(detail.changed).some((c) => (c as { omitted?: true }).omitted)).toBe(true);
  });
});
