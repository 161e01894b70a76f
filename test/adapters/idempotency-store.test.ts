import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IdempotencyConfig, IdempotencyItemAlreadyExistsError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonDocumentClient } from '../../lambdas/adapters/dynamodb-json';
import { DocumentPersistenceLayer } from '../../lambdas/adapters/idempotency-store';
import { startDynamo, type LocalDynamo } from '../../local/dynamo';
import { jsonDocumentClient } from '../helpers/json-document';

// Ours against Powertools' own DynamoDB layer on the same dynalite table: each reads what the other wrote, and both
// refuse a second claim of a key in progress.
let dynamo: LocalDynamo;
let json: JsonDocumentClient;
beforeAll(async () => {
  dynamo = await startDynamo();
  json = jsonDocumentClient(dynamo);
});
afterAll(async () => dynamo?.close());

const configured = <L extends { configure: DynamoDBPersistenceLayer['configure'] }>(layer: L): L => {
  layer.configure({
    config: new IdempotencyConfig({ eventKeyJmesPath: 'id', payloadValidationJmesPath: 'input' }),
    keyPrefix: 'test#command',
  });
  return layer;
};
const ours = () => configured(new DocumentPersistenceLayer({ tableName: dynamo.tableName('idempotency'), doc: json }));
const theirs = () =>
  configured(
    new DynamoDBPersistenceLayer({ tableName: dynamo.tableName('idempotency'), awsSdkV3Client: dynamo.client }),
  );

describe("DocumentPersistenceLayer (Powertools idempotency on the DocumentClient port), against Powertools' DynamoDB layer", () => {
  it('claims a key once, completes it with its response, and either layer reads the other’s records', async () => {
    const run = { id: 'cmd-1', input: { name: 'card' } };
    await ours().saveInProgress(run);
    await expect(theirs().saveInProgress(run)).rejects.toBeInstanceOf(IdempotencyItemAlreadyExistsError);
    await expect(ours().saveInProgress(run)).rejects.toBeInstanceOf(IdempotencyItemAlreadyExistsError);
    await ours().saveSuccess(run, { externalId: 'card-9', bytes: [1, 2] });
    const read = await theirs().getRecord(run);
    expect(read.getStatus()).toBe('COMPLETED');
    expect(read.getResponse()).toEqual({ externalId: 'card-9', bytes: [1, 2] });

    const other = { id: 'cmd-2', input: { name: 'list' } };
    await theirs().saveInProgress(other);
    await expect(ours().saveInProgress(other)).rejects.toBeInstanceOf(IdempotencyItemAlreadyExistsError);
    await theirs().saveSuccess(other, { externalId: 'list-3' });
    expect((await ours().getRecord(other)).getResponse()).toEqual({ externalId: 'list-3' });
  });

  it('writes the same item as Powertools does (table and tools unchanged)', async () => {
    await ours().saveInProgress({ id: 'same-a', input: 1 }, 30_000);
    await theirs().saveInProgress({ id: 'same-b', input: 1 }, 30_000);
    const item = async (run: { id: string; input: number }) => {
      const { idempotencyKey } = await ours().getRecord(run);
      return (await dynamo.doc.get({ TableName: dynamo.tableName('idempotency'), Key: { id: idempotencyKey } })).Item!;
    };
    const [a, b] = [await item({ id: 'same-a', input: 1 }), await item({ id: 'same-b', input: 1 })];
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(a.status).toBe('INPROGRESS');
    expect(a.validation).toBe(b.validation);
  });

  it('reclaims a key whose attempt died in progress (its in-progress expiry passed), and deletes a failed one', async () => {
    const run = { id: 'crashed', input: 1 };
    // Already past: the attempt that claimed it had no time left.
    await ours().saveInProgress(run, -1);
    await ours().saveInProgress(run, 30_000);
    await ours().deleteRecord(run);
    await expect(ours().getRecord(run)).rejects.toThrow();
    await ours().saveInProgress(run);
  });
});

describe('JsonDocumentClient: a failed condition carries the item that holds it, as the SDK error does', () => {
  let server: Server;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
            message: 'The conditional request failed',
            Item: { id: { S: 'k' }, status: { S: 'COMPLETED' }, expiration: { N: '4102444800' }, blob: { B: 'AAE=' } },
          }),
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('and DocumentPersistenceLayer hands it to Powertools as the existing record (no second read)', async () => {
    const doc = new JsonDocumentClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'local',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const err = await doc.put({ TableName: 't', Item: { id: 'k' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ConditionalCheckFailedException', Item: { id: { S: 'k' } } });
    expect((err as { Item: { blob: { B: Uint8Array } } }).Item.blob.B).toEqual(new Uint8Array([0, 1]));
    const layer = configured(new DocumentPersistenceLayer({ tableName: 't', doc }));
    const claimed = await layer.saveInProgress({ id: 'k', input: 1 }).catch((e: unknown) => e);
    expect(claimed).toBeInstanceOf(IdempotencyItemAlreadyExistsError);
    expect((claimed as IdempotencyItemAlreadyExistsError).existingRecord?.getStatus()).toBe('COMPLETED');
  });
});
