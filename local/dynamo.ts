import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ScanCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createDocumentClient, createDynamoClient } from '../lambdas/adapters/dynamodb';
import { TABLES, type TableSpec } from '../lambdas/core/tables';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocument;
  tableName(name: keyof typeof TABLES): string;
  close(): Promise<void>;
}

/**
 * Creates one of the stack's tables (on-demand, its keys and indexes). An existing table is left as it is, unless it
 * lacks an index its spec now has: dynalite cannot add one, so its items are copied out and back into a new table.
 */
export async function createTable(client: DynamoDBClient, spec: TableSpec): Promise<void> {
  if (!(await createSpecTable(client, spec))) await addMissingIndexes(client, spec);
  await tableActive(client, spec.name);
}

/** A table created before its spec gained an index (a kept `.local/` folder): rebuilt with its items. */
async function addMissingIndexes(client: DynamoDBClient, spec: TableSpec): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: spec.name }));
  const has = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  if ((spec.indexes ?? []).every((i) => has.has(i.name))) return;
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: spec.name, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  await client.send(new DeleteTableCommand({ TableName: spec.name }));
  await tableGone(client, spec.name);
  await createSpecTable(client, spec);
  await tableActive(client, spec.name);
  for (let i = 0; i < items.length; i += 25) {
    const batch = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    let unprocessed: Record<string, WriteRequest[]> | undefined = { [spec.name]: batch };
    while (unprocessed && Object.keys(unprocessed).length > 0)
      unprocessed = (await client.send(new BatchWriteItemCommand({ RequestItems: unprocessed }))).UnprocessedItems;
  }
}

/** Waits out dynalite's asynchronous delete (the SDK's waiter polls every 20 s at least; this is local and quick). */
export async function tableGone(client: DynamoDBClient, name: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      await client.send(new DescribeTableCommand({ TableName: name }));
    } catch (err) {
      if ((err as Error).name === 'ResourceNotFoundException') return;
      throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${name} was not deleted`);
}

/** Waits out dynalite's asynchronous create: a write to a table still CREATING is refused. */
async function tableActive(client: DynamoDBClient, name: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${name} did not become active`);
}

/** False when the table already exists. */
async function createSpecTable(client: DynamoDBClient, spec: TableSpec): Promise<boolean> {
  const keySchema = (hash: string, range?: string) => [
    { AttributeName: hash, KeyType: 'HASH' as const },
    ...(range ? [{ AttributeName: range, KeyType: 'RANGE' as const }] : []),
  ];
  const indexes = spec.indexes ?? [];
  const names = new Set(
    [spec.partitionKey, spec.sortKey, ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])].filter((n): n is string =>
      Boolean(n),
    ),
  );
  try {
    await client.send(
      new CreateTableCommand({
        TableName: spec.name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...names].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: keySchema(spec.partitionKey, spec.sortKey),
        GlobalSecondaryIndexes: indexes.length
          ? indexes.map((i) => ({
              IndexName: i.name,
              KeySchema: keySchema(i.partitionKey, i.sortKey),
              Projection: { ProjectionType: i.keysOnly ? 'KEYS_ONLY' : 'ALL' },
            }))
          : undefined,
      }),
    );
    return true;
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
    return false;
  }
}

/**
 * dynalite (DynamoDB's wire protocol, LevelDB storage) on an ephemeral 127.0.0.1 port, with the
 * stack's tables created from the same specs CDK uses. `dir` persists data; none keeps it in memory.
 */
export async function startDynamo(opts: { dir?: string } = {}): Promise<LocalDynamo> {
  if (opts.dir) mkdirSync(opts.dir, { recursive: true });
  const server = dynalite({ path: opts.dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDynamoClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  for (const spec of Object.values(TABLES)) await createTable(client, spec);
  return {
    endpoint,
    client,
    doc: createDocumentClient(client),
    tableName: (name) => TABLES[name].name,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
