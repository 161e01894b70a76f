import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocumentClient, isConditionFailure, providerItems } from '../../lambdas/adapters/document';
import type { JsonDocumentClient } from '../../lambdas/adapters/dynamodb-json';
import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import { startDynamo, type LocalDynamo } from '../../local/dynamo';
import { jsonDocumentClient } from '../helpers/json-document';

// The contract: JsonDocumentClient (what Lambda handlers use) answers as the SDK's DynamoDBDocument (what tools and
// tests use) does, operation by operation, on the same dynalite table.
let dynamo: LocalDynamo;
let json: JsonDocumentClient;
const TABLE = 'contract';

beforeAll(async () => {
  dynamo = await startDynamo();
  json = jsonDocumentClient(dynamo);
  await dynamo.client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'provider', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'provider', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
});
afterAll(async () => dynamo?.close());

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** An item with every attribute type, binary, nesting, an undefined field (dropped) and a class instance (a map). */
const rich = (provider: string, sk: number) => ({
  provider,
  sk,
  text: 'ü ✓',
  int: 42,
  float: -0.125,
  big: 2 ** 53 - 1,
  yes: true,
  none: null,
  gone: undefined,
  bytes: Buffer.from([0, 1, 2, 250, 255]),
  view: new Uint8Array([9, 8, 7]),
  list: [1, 'two', { three: [3] }, Buffer.from('four')],
  map: { nested: { deeper: ['a', 'b'] } },
  strings: new Set(['a', 'b']),
  numbers: new Set([1, 2.5]),
  binaries: new Set([Buffer.from('x'), Buffer.from('y')]),
  point: new Point(1, 2),
});

const without$ = <T extends object>(o: T) => {
  const { $metadata: _m, ...rest } = o as T & { $metadata?: unknown };
  return rest;
};

const clients = (): [string, DocumentClient][] => [
  ['json', json],
  ['sdk', dynamo.doc],
];

describe('JsonDocumentClient, against the SDK document client on dynalite', () => {
  it('writes and reads back every attribute type as the SDK does', async () => {
    for (const [name, doc] of clients()) await doc.put({ TableName: TABLE, Item: rich(`put-${name}`, 1) });
    const [a, b] = await Promise.all(
      ['json', 'sdk'].map((n) => dynamo.doc.get({ TableName: TABLE, Key: { provider: `put-${n}`, sk: 1 } })),
    );
    expect({ ...a!.Item, provider: '' }).toEqual({ ...b!.Item, provider: '' });
    const viaJson = await json.get({ TableName: TABLE, Key: { provider: 'put-sdk', sk: 1 }, ConsistentRead: true });
    expect(viaJson.Item).toEqual(b!.Item);
    expect(viaJson.Item!.bytes).toEqual(new Uint8Array([0, 1, 2, 250, 255]));
    expect('gone' in viaJson.Item!).toBe(false);
    expect((await json.get({ TableName: TABLE, Key: { provider: 'nobody', sk: 0 } })).Item).toBeUndefined();
  });

  it('fails a conditional write with ConditionalCheckFailedException, as the SDK names it', async () => {
    await json.put({ TableName: TABLE, Item: { provider: 'cond', sk: 1, v: 2 } });
    for (const [, doc] of clients()) {
      const err = await doc
        .put({
          TableName: TABLE,
          Item: { provider: 'cond', sk: 1, v: 1 },
          ConditionExpression: 'attribute_not_exists(v) OR v < :v',
          ExpressionAttributeValues: { ':v': 1 },
        })
        .catch((e: unknown) => e);
      expect(isConditionFailure(err)).toBe(true);
      expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    }
  });

  it('answers a malformed request with the same error name (ValidationException), not a retry', async () => {
    const names = await Promise.all(
      clients().map(([, doc]) =>
        doc
          .update({ TableName: TABLE, Key: { provider: 'x', sk: 1 }, UpdateExpression: 'SET = 1' })
          .catch((e: Error) => e.name),
      ),
    );
    expect(names).toEqual(['ValidationException', 'ValidationException']);
  });

  it('returns the same Attributes from update and delete', async () => {
    const outs = [];
    for (const [name, doc] of clients()) {
      await doc.put({ TableName: TABLE, Item: { provider: `upd-${name}`, sk: 1, n: 1, tags: new Set(['a']) } });
      const updated = await doc.update({
        TableName: TABLE,
        Key: { provider: `upd-${name}`, sk: 1 },
        UpdateExpression: 'SET n = n + :one, payload = :blob ADD tags :t',
        ExpressionAttributeValues: { ':one': 1, ':blob': Buffer.from('b'), ':t': new Set(['b']) },
        ReturnValues: 'ALL_NEW',
      });
      const deleted = await doc.delete({
        TableName: TABLE,
        Key: { provider: `upd-${name}`, sk: 1 },
        ReturnValues: 'ALL_OLD',
      });
      outs.push([
        { ...updated.Attributes, provider: '' },
        { ...deleted.Attributes, provider: '' },
      ]);
    }
    expect(outs[0]).toEqual(outs[1]);
    expect(outs[0]![0]).toMatchObject({ n: 2, tags: new Set(['a', 'b']), payload: new Uint8Array(Buffer.from('b')) });
  });

  it('pages a Query and a Scan with the same items and LastEvaluatedKey, and providerItems walks every page', async () => {
    for (let sk = 1; sk <= 7; sk += 1) await json.put({ TableName: TABLE, Item: rich('pages', sk) });
    const pages = async (doc: DocumentClient) => {
      const seen = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await doc.query({
          TableName: TABLE,
          KeyConditionExpression: '#p = :p AND sk > :from',
          ExpressionAttributeNames: { '#p': 'provider' },
          ExpressionAttributeValues: { ':p': 'pages', ':from': 1 },
          ExclusiveStartKey: start,
          Limit: 4,
        });
        seen.push(without$(page));
        start = page.LastEvaluatedKey;
      } while (start);
      return seen;
    };
    const [a, b] = await Promise.all([pages(json), pages(dynamo.doc)]);
    expect(a).toEqual(b);
    expect(a.map((p) => p.Count)).toEqual([4, 2]);
    expect(a[0]!.LastEvaluatedKey).toEqual({ provider: 'pages', sk: 5 });
    expect((await providerItems(json, TABLE, 'pages')).map((i) => (i as { sk: number }).sk)).toEqual([
      1, 2, 3, 4, 5, 6, 7,
    ]);
    const scanned = await json.scan({ TableName: TABLE, Limit: 3 });
    expect(without$(scanned)).toEqual(without$(await dynamo.doc.scan({ TableName: TABLE, Limit: 3 })));
  });

  it('batch-gets items with binary keys and values as the SDK does, missing keys left out', async () => {
    await json.put({ TableName: TABLE, Item: rich('batch', 1) });
    await json.put({ TableName: TABLE, Item: rich('batch', 2) });
    const input = {
      RequestItems: {
        [TABLE]: {
          Keys: [
            { provider: 'batch', sk: 1 },
            { provider: 'batch', sk: 2 },
            { provider: 'batch', sk: 3 },
          ],
        },
      },
    };
    const [a, b] = await Promise.all([json.batchGet(input), dynamo.doc.batchGet(input)]);
    const sorted = (o: typeof a) => (o.Responses?.[TABLE] ?? []).map((i) => i.sk as number).sort();
    expect(sorted(a)).toEqual([1, 2]);
    expect(new Set(a.Responses![TABLE])).toEqual(new Set(b.Responses![TABLE]));
    expect(a.UnprocessedKeys?.[TABLE]?.Keys ?? []).toEqual([]);
  });

  it('runs the record store (gzip payloads, conditional versions, the by-type index) as the SDK does', async () => {
    const store = new DynamoRecordStore(json, 'records');
    const ctx = { eventId: 'e-1', receivedAt: 0, now: 0 };
    const big = { body: 'x'.repeat(20_000), version: 2 };
    expect(await store.upsertIfNewer('acme', { type: 't', key: 'k', version: 2, data: big }, ctx)).toBe('written');
    expect(await store.upsertIfNewer('acme', { type: 't', key: 'k', version: 1, data: {} }, ctx)).not.toBe('written');
    const viaSdk = new DynamoRecordStore(dynamo.doc, 'records');
    const [a, b] = await Promise.all([store.get('acme', 't', 'k'), viaSdk.get('acme', 't', 'k')]);
    expect(a).toEqual(b);
    expect(a?.data).toEqual(big);
    for (const key of ['k2', 'k3']) await store.upsertIfNewer('acme', { type: 't', key, version: 1, data: {} }, ctx);
    const first = await store.list('acme', 't', { limit: 2 });
    expect(first).toEqual(await viaSdk.list('acme', 't', { limit: 2 }));
    const rest = await store.list('acme', 't', { limit: 2, cursor: first.next });
    expect([...first.records, ...rest.records].map((r) => r.key).sort()).toEqual(['k', 'k2', 'k3']);
  });
});
