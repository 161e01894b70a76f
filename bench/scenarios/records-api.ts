import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, createDynamoClient } from '../../lambdas/adapters/dynamodb';
import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import { recordKey } from '../../lambdas/core/records';
import { TABLES } from '../../lambdas/core/tables';
import { indexWriteUnits } from '../cost/pricing';
import { figure, type Figure, type RunOptions, type Scenario } from '../figure';
import { PRICES } from '../prices';
import { startServer } from '../webhook-ingest/load';

const DYNALITE = join(fileURLToPath(import.meta.url), '..', '..', 'processor', 'dynalite-server.ts');
const PROVIDERS = ['github', 'stripe', 'shopify', 'slack', 'trello', 'football'];
// The listed type is only in the listed share.
const TYPES = ['pull_request', 'comment', 'customer', 'order', 'fixture'];
/** The listed type's share of the table: one type of one provider among many. */
const LISTED_SHARE = 0.01;
const LISTED = { provider: 'github', type: 'issue' };
const PAGE = 100;
const MODEL_ITEMS = 1_000_000;

/** Reads counted on the wire: items each request read (Query/Scan ScannedCount, BatchGetItem keys) and read units. */
interface Reads {
  items: number;
  units: number;
}

function countReads(client: DynamoDBClient, reads: Reads): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const out = result.output as {
        ScannedCount?: number;
        Responses?: Record<string, unknown[]>;
        ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
      };
      const op = String(context.commandName);
      if (op === 'QueryCommand' || op === 'ScanCommand') reads.items += out.ScannedCount ?? 0;
      if (op === 'BatchGetItemCommand') reads.items += Object.values(out.Responses ?? {}).flat().length;
      for (const c of [out.ConsumedCapacity].flat()) reads.units += c?.CapacityUnits ?? 0;
      return result;
    },
    { step: 'initialize', name: 'benchCountReads' },
  );
}

/** `n` records over six providers and five types, plus the listed type holding LISTED_SHARE of them. */
async function seed(client: DynamoDBClient, n: number): Promise<number> {
  const listed = Math.round(n * LISTED_SHARE);
  const item = (i: number) => {
    const [provider, type] =
      i < listed
        ? [LISTED.provider, LISTED.type]
        : [PROVIDERS[i % PROVIDERS.length]!, TYPES[Math.floor(i / PROVIDERS.length) % TYPES.length]!];
    const key = `k${String(i).padStart(7, '0')}`;
    const data = JSON.stringify({ id: i, title: `record ${i}`, body: 'x'.repeat(200) });
    return {
      pk: { S: recordKey(provider, type, key) },
      provider: { S: provider },
      type: { S: type },
      key: { S: key },
      data: { S: data },
      writtenAt: { N: '1' },
    };
  };
  const batches = Array.from({ length: Math.ceil(n / 25) }, (_, b) =>
    Array.from({ length: Math.min(25, n - b * 25) }, (_, j) => ({ PutRequest: { Item: item(b * 25 + j) } })),
  );
  for (let i = 0; i < batches.length; i += 8)
    await Promise.all(
      batches.slice(i, i + 8).map(async (batch) => {
        let todo: Record<string, (typeof batch)[number][]> | undefined = { [TABLES.records.name]: batch };
        while (todo && Object.keys(todo).length > 0)
          todo = (await client.send(new BatchWriteItemCommand({ RequestItems: todo }))).UnprocessedItems as typeof todo;
      }),
    );
  return listed;
}

/** The listing as records-read makes it now: pages of PAGE from the provider index, by cursor. */
async function listByIndex(store: DynamoRecordStore): Promise<number> {
  let returned = 0;
  let cursor: string | undefined;
  do {
    const page = await store.list(LISTED.provider, LISTED.type, { limit: PAGE, cursor });
    returned += page.records.length;
    cursor = page.next;
  } while (cursor);
  return returned;
}

/** The listing as it was: a Scan filtered on the key prefix, the whole table read. */
async function listByScan(client: DynamoDBClient): Promise<number> {
  const doc = createDocumentClient(client);
  let returned = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: TABLES.records.name,
        ExclusiveStartKey: start,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': recordKey(LISTED.provider, LISTED.type, '') },
      }),
    );
    returned += page.Items?.length ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return returned;
}

/** What the keys-only provider index adds per record write (DynamoDB's rules; dynalite reports no index writes). */
function indexCostFigures(): Figure[] {
  const keys = { provider: LISTED.provider, pk: recordKey(LISTED.provider, LISTED.type, 'octo/repo#1347') };
  const index = TABLES.records.indexes[0];
  const created = indexWriteUnits(index, null, keys);
  const updated = indexWriteUnits(index, keys, keys);
  const dollars = (wru: number) => wru * PRICES.dynamodb.perMillionWru;
  return [
    figure('records-api', 'provider index: write units per record write, new entity / update', created, 'WRU', {
      baseline: updated,
    }),
    figure('records-api', 'provider index: $ per million new entities written', dollars(created), '$'),
  ];
}

/**
 * The records API at scale: listing one provider's records of one type, in a dynalite table of 100,000 items
 * (10,000 with --quick) where that type is 1 %. Items read per item returned, counted on the wire, for the
 * listing records-read makes (the keys-only provider index, then the items by key) and, as the baseline in the
 * same run, the filtered Scan it replaced; both modelled at 1 M items, and what the index costs per write.
 */
export const recordsApi: Scenario = {
  id: 'records-api',
  description:
    "listing one type from a table of 100 k records: items read per item returned by the provider index vs a filtered Scan, and the index's cost per write",
  async run(opts: RunOptions = {}): Promise<Figure[]> {
    const items = opts.quick ? 10_000 : 100_000;
    const store = await startServer<{ endpoint: string }>(DYNALITE);
    try {
      const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
      const client = createDynamoClient({ endpoint: store.info.endpoint, region: 'local', credentials });
      const t0 = performance.now();
      const listed = await seed(client, items);
      console.error(
        `  seeded ${items} records (${listed} of the listed type) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      const [byIndex, byScan]: Reads[] = [
        { items: 0, units: 0 },
        { items: 0, units: 0 },
      ];
      const indexClient = createDynamoClient({ endpoint: store.info.endpoint, region: 'local', credentials });
      countReads(indexClient, byIndex!);
      const returned = await listByIndex(new DynamoRecordStore(createDocumentClient(indexClient), TABLES.records.name));
      const scanClient = createDynamoClient({ endpoint: store.info.endpoint, region: 'local', credentials });
      countReads(scanClient, byScan!);
      const scanned = await listByScan(scanClient);
      if (returned !== listed || scanned !== listed)
        throw new Error(`listed ${returned} by index and ${scanned} by scan, expected ${listed}`);
      const per = (r: Reads) => r.items / returned;
      // The index reads only the listed type's keys and items, so its ratio holds at any table size; a Scan reads it
      // all.
      const modelScan = MODEL_ITEMS / (MODEL_ITEMS * LISTED_SHARE);
      return [
        figure(
          'records-api',
          `listing one type (${returned} of ${items}): items read per item returned`,
          per(byIndex!),
          'items',
          {
            baseline: per(byScan!),
            target: '<= 2 items',
          },
        ),
        figure('records-api', 'same, modelled at 1 M items (baseline = filtered Scan)', per(byIndex!), 'items', {
          baseline: modelScan,
          target: '<= 2 items',
        }),
        figure('records-api', 'listing one type: read units per item returned', byIndex!.units / returned, 'RRU', {
          baseline: byScan!.units / returned,
        }),
        ...indexCostFigures(),
      ];
    } finally {
      await store.stop();
    }
  },
};
