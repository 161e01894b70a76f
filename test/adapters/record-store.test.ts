import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import type { UpsertOutcome } from '../../lambdas/core/records';
import { startDynamo, type LocalDynamo } from '../../local/dynamo';

let dynamo: LocalDynamo;
let store: DynamoRecordStore;
let n = 0;

beforeAll(async () => {
  dynamo = await startDynamo();
  store = new DynamoRecordStore(dynamo.doc, 'records');
});
afterAll(async () => dynamo.close());

const upsert = (key: string, version: number, data: Record<string, unknown> = { version }) =>
  store.upsertIfNewer(
    'acme',
    { type: 'thing', key, version, data },
    { eventId: `e-${version}`, receivedAt: 0, now: 0 },
  );

describe('upsertIfNewer against dynalite', () => {
  it('any interleaving of concurrent writes of any versions (duplicates too) ends with the maximum, each version written at most once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 6, maxLength: 6 }),
        fc.scheduler(),
        async (versions, copies, s) => {
          const key = `k${++n}`;
          const writes = versions.flatMap((v, i) => Array.from({ length: 1 + copies[i]! }, () => v));
          // The scheduler picks the order in which the writes start; they then race on the wire.
          const outcomes = writes.map((v) =>
            s
              .schedule(Promise.resolve(v), `write ${v}`)
              .then((version) => upsert(key, version).then((o): [number, UpsertOutcome] => [version, o])),
          );
          await s.waitAll();
          const results = await Promise.all(outcomes);
          const max = Math.max(...versions);
          expect(await store.get('acme', 'thing', key)).toMatchObject({
            version: max,
            eventId: `e-${max}`,
            data: { version: max },
          });
          for (const v of versions)
            expect(results.filter(([version, o]) => version === v && o === 'written').length).toBeLessThanOrEqual(1);
          expect(results.filter(([version, o]) => version === max && o === 'written')).toHaveLength(1);
        },
      ),
      { numRuns: 25 },
    );
  });

  // Found by the chaos run: a 500 KB order note kept as a scalar made the item exceed 400 KB, and the event went to the DLQ.
  it('stores an entity whose single text field alone is larger than an item may be, cut and marked truncated', async () => {
    const note = 'n'.repeat(600_000);
    expect(await upsert('big-1', 1, { id: 'big-1', note, nested: { a: 1 } })).toBe('written');
    const stored = await store.get('acme', 'thing', 'big-1');
    expect(stored!.data).toMatchObject({ _truncated: true, id: 'big-1' });
    expect(String(stored!.data.note).length).toBeLessThan(2000);
    expect(stored!.data.nested).toBeUndefined();
  });

  it('keeps as many scalar fields as fit when there are too many to keep all', async () => {
    const data = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`field${i}`, 'x'.repeat(1000)]));
    expect(await upsert('big-2', 1, data)).toBe('written');
    const stored = await store.get('acme', 'thing', 'big-2');
    expect(stored!.data._truncated).toBe(true);
    expect(Object.keys(stored!.data).length).toBeGreaterThan(250);
  });
});
