import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, ResourceInUseException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { createDocumentClient, createDynamoClient } from '../lambdas/adapters/dynamodb';
import { TABLES, type TableSpec } from '../lambdas/core/tables';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  tableName(name: keyof typeof TABLES): string;
  close(): Promise<void>;
}

/** Creates one of the stack's tables (on-demand, its keys and indexes); an existing table is left as it is. */
export async function createTable(client: DynamoDBClient, spec: TableSpec): Promise<void> {
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
              Projection: { ProjectionType: 'ALL' },
            }))
          : undefined,
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
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
