import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { JsonDocumentClient } from '../lambdas/adapters/dynamodb-json';
import { DynamoRecordStore } from '../lambdas/adapters/record-store';
import { PowertoolsTelemetry } from '../lambdas/adapters/telemetry';
import { TABLES } from '../lambdas/core/tables';
import { createProcessorHandler } from '../lambdas/handlers/event-processor';
import { getProvider } from '../lambdas/providers';
import { sqsBatches } from '../bench/processor/batches';
import { pool, processBatches } from '../bench/processor/run-processor';
import { startServer } from '../bench/webhook-ingest/load';

const store = await startServer<{ endpoint: string }>(join(process.cwd(), 'bench/processor/dynalite-server.ts'));
const cfg = { endpoint: store.info.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const mode = process.argv[2] ?? 'json';
const { createDocumentClient, createDynamoClient } = await import('../lambdas/adapters/dynamodb');
const mk = () => (mode === 'json' ? new JsonDocumentClient(cfg) : createDocumentClient(createDynamoClient(cfg)));
const docP = mk(), docR = mk();
const telemetry = new PowertoolsTelemetry({ serviceName: 'p', namespace: 'x', sink: () => {} });
const blobs = { put: async () => {}, get: async () => { throw new Error('x'); } };
const handle = createProcessorHandler({ provider: 'github', registry: getProvider, records: new DynamoRecordStore(docP, TABLES.records.name), dlq: { send: async () => {} }, maxReceiveCount: 5, blobs, archive: { blobs, newId: randomUUID }, telemetry, now: Date.now, flush: () => telemetry.flush() });
const warm = await sqsBatches(2000, 50, 1);
await processBatches(handle, warm, 5);
const data = 'x'.repeat(1800);
const raw = (prefix: string, n: number) => pool(Array.from({ length: n }, (_, i) => `${prefix}#${i}`), 250, async (pk) => {
  await docR.put({ TableName: TABLES.records.name, Item: { pk, version: 1, data, writtenAt: Date.now() }, ConditionExpression: 'attribute_not_exists(pk) OR #version < :version', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': 1 } });
});
await raw('warm', 2000);
const ev: number[] = [], wr: number[] = [];
for (let r = 0; r < 7; r++) {
  const b = await sqsBatches(500, 50, 3000 + r * 500);
  const doRaw = async () => wr.push(500 / (await raw(`r${r}`, 500)));
  const doProc = async () => ev.push(500 / (await processBatches(handle, b, 5)));
  if (r % 2) { await doProc(); await doRaw(); } else { await doRaw(); await doProc(); }
}
const med = (x: number[]) => [...x].sort((a, b) => a - b)[3]!;
console.log(mode, 'events/s', med(ev).toFixed(0), 'raw/s', med(wr).toFixed(0), 'ratio', (med(ev) / med(wr)).toFixed(3));
await store.stop();
