import { join } from 'node:path';
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../lambdas/adapters/dynamodb';
import { pool, rawConditionalPuts } from './processor/run-processor';
import { startServer } from './webhook-ingest/load';
const store = await startServer<{ endpoint: string }>(join(import.meta.dirname, 'processor', 'dynalite-server.ts'));
const c = createDynamoClient({ endpoint: store.info.endpoint, region: 'local', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
const N = 1500;
const keys = Array.from({ length: N }, (_, i) => `k${i}`);
const idemPut = (round: string) => pool(keys, 50, async (k) => { await c.send(new PutItemCommand({ TableName: 'idempotency', Item: { id: { S: `${round}#${k}` }, expiration: { N: '999999999999' }, status: { S: 'INPROGRESS' }, in_progress_expiration: { N: '999999999999' } },
  ConditionExpression: 'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
  ExpressionAttributeNames: { '#id': 'id', '#expiry': 'expiration', '#in_progress_expiry': 'in_progress_expiration', '#status': 'status' },
  ExpressionAttributeValues: { ':now': { N: '1' }, ':now_in_millis': { N: '1' }, ':inprogress': { S: 'INPROGRESS' } }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })); });
const idemUpdate = (round: string) => pool(keys, 50, async (k) => { await c.send(new UpdateItemCommand({ TableName: 'idempotency', Key: { id: { S: `${round}#${k}` } },
  UpdateExpression: 'SET #response_data = :response_data, #expiry = :expiry, #status = :status',
  ExpressionAttributeNames: { '#response_data': 'data', '#expiry': 'expiration', '#status': 'status' },
  ExpressionAttributeValues: { ':response_data': { S: '{"provider":"github","written":1,"stale":0,"duplicate":0}' }, ':expiry': { N: '99999999999' }, ':status': { S: 'COMPLETED' } } })); });
await rawConditionalPuts(c, { count: 500, concurrency: 50, itemBytes: 1700, prefix: 'w' });
for (let r = 0; r < 3; r++) {
  const a = await rawConditionalPuts(c, { count: N, concurrency: 50, itemBytes: 1700, prefix: `r${r}` });
  const b = await idemPut(`r${r}`);
  const d = await idemUpdate(`r${r}`);
  const e = await rawConditionalPuts(c, { count: N, concurrency: 50, itemBytes: 3500, prefix: `big${r}` });
  console.log(`raw put 1.7KB ${(N / a).toFixed(0)}/s  idempotency put ${(N / b).toFixed(0)}/s  idempotency update ${(N / d).toFixed(0)}/s  raw put 3.5KB ${(N / e).toFixed(0)}/s`);
}
c.destroy(); await store.stop();
