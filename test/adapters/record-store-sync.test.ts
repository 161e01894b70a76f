import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import { InvalidCursor, type SyncRecord } from '../../lambdas/core/records';
import { contentHash } from '../../lambdas/core/sync/content-hash';
import { startDynamo, type LocalDynamo } from '../../local/dynamo';

let dynamo: LocalDynamo;
let store: DynamoRecordStore;
const commands: string[] = [];
let n = 0;
let type: string;

beforeAll(async () => {
  dynamo = await startDynamo();
  dynamo.client.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  store = new DynamoRecordStore(dynamo.doc, 'records');
});
afterAll(async () => dynamo.close());
beforeEach(() => {
  commands.length = 0;
  type = `thing${++n}`; // a fresh record type per test
});

const rec = (key: string, data: Record<string, unknown>, version?: number): SyncRecord => ({
  key,
  data,
  version,
  hash: contentHash(data, version),
});
const put = (records: SyncRecord[], fetchedAt: number) =>
  store.putIfChanged('acme', type, records, { fetchedAt, source: 'things', now: fetchedAt + 5 });
const puts = () => commands.filter((c) => c === 'PutItem').length;

describe('putIfChanged: the sync write rule', () => {
  it('writes a new record, then nothing while its content stays the same', async () => {
    expect(await put([rec('a', { score: 1 })], 1000)).toEqual(['written']);
    expect(await store.get('acme', type, 'a')).toMatchObject({
      data: { score: 1 },
      fetchedAt: 1000,
      source: 'things',
      contentHash: contentHash({ score: 1 }),
    });
    commands.length = 0;
    expect(await put([rec('a', { score: 1 })], 2000)).toEqual(['unchanged']);
    expect(puts()).toBe(0);
    expect((await store.get('acme', type, 'a'))!.fetchedAt).toBe(1000);
  });

  it('hashes content, not key order', async () => {
    await put([rec('a', { x: 1, y: { b: 2, a: 1 } })], 1000);
    expect(await put([rec('a', { y: { a: 1, b: 2 }, x: 1 })], 2000)).toEqual(['unchanged']);
  });

  it('writes changed content fetched later, never content fetched earlier than what is stored', async () => {
    await put([rec('a', { score: 1 })], 1000);
    expect(await put([rec('a', { score: 2 })], 3000)).toEqual(['written']);
    commands.length = 0;
    expect(await put([rec('a', { score: 1 })], 2000)).toEqual(['stale']);
    expect(puts()).toBe(0);
    expect((await store.get('acme', type, 'a'))!.data).toEqual({ score: 2 });
  });

  it('never writes an older provider version over a newer one, whoever wrote it', async () => {
    await store.upsertIfNewer(
      'acme',
      { type, key: 'a', version: 10, data: { from: 'webhook' } },
      { eventId: 'evt_1', receivedAt: 500, now: 500 },
    );
    expect(await put([rec('a', { from: 'poll' }, 5)], 9000)).toEqual(['stale']);
    expect(await put([rec('a', { from: 'poll' }, 12)], 9000)).toEqual(['written']);
    expect(await store.get('acme', type, 'a')).toMatchObject({ version: 12, data: { from: 'poll' } });
    // And the webhook path still only takes newer versions over what a poll wrote.
    expect(
      await store.upsertIfNewer(
        'acme',
        { type, key: 'a', version: 11, data: { from: 'webhook' } },
        { eventId: 'evt_2', receivedAt: 600, now: 600 },
      ),
    ).toBe('stale');
    expect(
      await store.upsertIfNewer(
        'acme',
        { type, key: 'a', version: 13, data: { from: 'webhook' } },
        { eventId: 'evt_3', receivedAt: 700, now: 700 },
      ),
    ).toBe('written');
  });

  it('lets a webhook update a record a poll wrote without a version', async () => {
    await put([rec('a', { from: 'poll' })], 1000);
    expect(
      await store.upsertIfNewer(
        'acme',
        { type, key: 'a', version: 1, data: { from: 'webhook' } },
        { eventId: 'evt_1', receivedAt: 2000, now: 2000 },
      ),
    ).toBe('written');
    expect((await store.get('acme', type, 'a'))!.data).toEqual({ from: 'webhook' });
  });

  it('two runs writing the same records at once: each written once, the other run finds it unchanged', async () => {
    const batch = Array.from({ length: 30 }, (_, i) => rec(`k${i}`, { i }));
    const [a, b] = await Promise.all([put(batch, 1000), put(batch, 1001)]);
    const written = [...a, ...b].filter((o) => o === 'written').length;
    expect(written).toBe(30);
    expect([...a, ...b].filter((o) => o === 'unchanged').length).toBe(30);
  });

  it('reads more than one BatchGetItem holds (100 keys), and refuses duplicate keys in one call', async () => {
    const many = Array.from({ length: 230 }, (_, i) => rec(`k${i}`, { i }));
    expect((await put(many, 1000)).every((o) => o === 'written')).toBe(true);
    commands.length = 0;
    expect((await put(many, 2000)).every((o) => o === 'unchanged')).toBe(true);
    expect(commands).toEqual(['BatchGetItem', 'BatchGetItem', 'BatchGetItem']);
    await expect(put([rec('a', {}), rec('a', { x: 1 })], 1000)).rejects.toThrow(/unique/);
  });

  it('lists one type page by page from the provider index, reading only what it returns', async () => {
    const mine = Array.from({ length: 25 }, (_, i) => rec(`k${String(i).padStart(2, '0')}`, { i }));
    await put(mine, 1000);
    // Neighbours a Scan would read: another type, a type whose name extends this one, another provider.
    await store.putIfChanged('acme', `${type}x`, [rec('k00', {})], { fetchedAt: 1, source: 's', now: 1 });
    await store.putIfChanged('acme-two', type, [rec('k00', {})], { fetchedAt: 1, source: 's', now: 1 });
    commands.length = 0;
    const first = await store.list('acme', type, { limit: 10 });
    expect(first.records.map((r) => r.key)).toEqual(mine.slice(0, 10).map((r) => r.key));
    expect(commands).toEqual(['Query', 'BatchGetItem']);
    const second = await store.list('acme', type, { limit: 10, cursor: first.next });
    const third = await store.list('acme', type, { limit: 10, cursor: second.next });
    expect([...second.records, ...third.records].map((r) => r.key)).toEqual(mine.slice(10).map((r) => r.key));
    expect(third.records[0]).toMatchObject({ data: { i: 20 }, fetchedAt: 1000, source: 'things' });
    const last = third.next ? await store.list('acme', type, { limit: 10, cursor: third.next }) : { records: [] };
    expect(last).toEqual({ records: [] });
  });

  it("refuses a cursor that is not one of this listing's pages", async () => {
    await put([rec('a', {}), rec('b', {})], 1000);
    const { next } = await store.list('acme', type, { limit: 1 });
    expect(next).toBeDefined();
    await expect(store.list('acme', `${type}x`, { cursor: next })).rejects.toBeInstanceOf(InvalidCursor);
    await expect(store.list('other', type, { cursor: next })).rejects.toBeInstanceOf(InvalidCursor);
    await expect(store.list('acme', type, { cursor: 'not base64 json' })).rejects.toBeInstanceOf(InvalidCursor);
    const forged = Buffer.from(JSON.stringify({ provider: 'acme', pk: `acme#${type}#a`, extra: 1 })).toString(
      'base64url',
    );
    await expect(store.list('acme', type, { cursor: forged })).rejects.toBeInstanceOf(InvalidCursor);
  });

  it('lists the records of one type with their fetch times', async () => {
    await put([rec('a', { v: 1 }), rec('b', { v: 2 })], 1000);
    const { records: listed } = await store.list('acme', type);
    expect(listed.map((r) => [r.key, r.fetchedAt]).sort()).toEqual([
      ['a', 1000],
      ['b', 1000],
    ]);
  });
});
