import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import { contentHash } from '../../lambdas/core/sync/content-hash';
import { startDynamo, type LocalDynamo } from '../../local/dynamo';

let dynamo: LocalDynamo;
let store: DynamoRecordStore;
const units: number[] = [];

beforeAll(async () => {
  dynamo = await startDynamo();
  // dynalite computes consumed capacity by DynamoDB's rules (1 KB write units).
  dynamo.client.middlewareStack.add(
    (next) => async (args) => {
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } }).ConsumedCapacity;
      if (consumed?.CapacityUnits) units.push(consumed.CapacityUnits);
      return result;
    },
    { step: 'initialize', name: 'capacity' },
  );
  store = new DynamoRecordStore(dynamo.doc, 'records');
});
afterAll(async () => dynamo.close());

// An issue body of ~4 KB of prose-like text, as webhook entities carry.
const words =
  'the order was shipped late because the warehouse ran out of boxes and support reviewed the tracking number'.split(
    ' ',
  );
const body = Array.from({ length: 700 }, (_, i) => words[(i * 7) % words.length]).join(' ');
const issue = { number: 7, title: 'Spelling error', state: 'open', body, labels: [{ name: 'bug' }] };
const raw = (key: string) => dynamo.client.send(new GetItemCommand({ TableName: 'records', Key: { pk: { S: key } } }));

describe('records store: entity data size', () => {
  it('stores large entity data gzipped, and reads it back unchanged', async () => {
    units.length = 0;
    expect(
      await store.upsertIfNewer(
        'github',
        { type: 'issue', key: 'o/r#7', version: 1, data: issue },
        { eventId: 'e1', receivedAt: 1, now: 2 },
      ),
    ).toBe('written');
    expect((await store.get('github', 'issue', 'o/r#7'))!.data).toEqual(issue);
    const { Item } = await raw('github#issue#o/r#7');
    expect(Item!.data!.B).toBeInstanceOf(Uint8Array);
    expect(Item!.data!.B!.byteLength).toBeLessThan(JSON.stringify(issue).length / 2);
    // A 4+ KB entity costs fewer write units than its JSON would.
    expect(units[0]).toBeLessThan(Math.ceil(JSON.stringify(issue).length / 1024));
  });

  it('keeps small entity data as JSON text', async () => {
    expect(
      await store.upsertIfNewer(
        'github',
        { type: 'issue', key: 'o/r#8', version: 1, data: { number: 8, title: 'small' } },
        { eventId: 'e2', receivedAt: 1, now: 2 },
      ),
    ).toBe('written');
    expect((await raw('github#issue#o/r#8')).Item!.data).toEqual({ S: '{"number":8,"title":"small"}' });
  });

  it('compresses polled records too, and still skips unchanged ones', async () => {
    const data = { fixture: { id: 1 }, notes: body };
    const record = { key: 'f1', data, hash: contentHash(data) };
    const meta = { fetchedAt: 1000, source: 'fixtures', now: 1005 };
    expect(await store.putIfChanged('football', 'fixture', [record], meta)).toEqual(['written']);
    expect(await store.putIfChanged('football', 'fixture', [record], { ...meta, fetchedAt: 2000 })).toEqual([
      'unchanged',
    ]);
    expect((await store.list('football', 'fixture')).records[0]!.data).toEqual(data);
  });

  it('stores plain JSON at any size when asked to (gzipAboveBytes: Infinity)', async () => {
    const plain = new DynamoRecordStore(dynamo.doc, 'records', { gzipAboveBytes: Infinity });
    await plain.upsertIfNewer(
      'github',
      { type: 'issue', key: 'o/r#9', version: 1, data: issue },
      { eventId: 'e3', receivedAt: 1, now: 2 },
    );
    expect(typeof (await raw('github#issue#o/r#9')).Item!.data!.S).toBe('string');
    expect((await store.get('github', 'issue', 'o/r#9'))!.data).toEqual(issue);
  });
});
