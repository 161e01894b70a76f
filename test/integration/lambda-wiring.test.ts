import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ATTR, toQueueMessage } from '../../lambdas/core/event-message';
import { recordPollsOf } from '../../lambdas/core/provider';
import { providers } from '../../lambdas/providers';
import { sampleGithubIssue } from '../../lambdas/providers/github';
import { startDynamo, type LocalDynamo } from '../../local/dynamo';
import { lambdaContext } from '../../local/lambda-context';
import { LocalQueue } from '../../local/queue';
import { type Moto, startSigningMoto } from '../helpers/moto';

// The handlers as Lambda runs them: their `aws()` init builds every client from the environment (the JSON DynamoDB
// client, S3 over REST, SQS over aws-json), here pointed at dynalite and at a moto that checks signatures.
let dynamo: LocalDynamo;
let moto: Moto;
let sqs: SQSClient;
let s3: S3Client;
let dlqUrl: string;
const BUCKET = 'wiring-blobs';

beforeAll(async () => {
  [dynamo, moto] = await Promise.all([startDynamo(), startSigningMoto()]);
  const common = { endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials };
  sqs = new SQSClient(common);
  s3 = new S3Client({ ...common, forcePathStyle: true });
  dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'wiring-dlq' }))).QueueUrl!;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);
afterAll(async () => {
  vi.unstubAllEnvs();
  sqs?.destroy();
  s3?.destroy();
  await Promise.all([dynamo?.close(), moto?.stop()]);
});

/** What CDK and Lambda put in the function's environment, the endpoints aside. */
function lambdaEnvironment(vars: Record<string, string>): void {
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
    AWS_ENDPOINT_URL: moto.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...vars,
  };
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
}

let seq = 0;
/** The event Lambda's SQS event source would deliver for these bodies: through the local stack's queue. */
async function sqsEvent(rawBodies: string[]): Promise<SQSEvent> {
  const queue = new LocalQueue({ name: 'github', visibilityTimeoutMs: 30_000 });
  for (const rawBody of rawBodies) {
    seq += 1;
    await queue.send(
      toQueueMessage({
        provider: 'github',
        eventId: `wiring-${seq}`,
        traceId: `wiring-${seq}`,
        receivedAt: Date.parse('2024-05-01T10:00:00Z'),
        headers: { 'x-github-event': 'issues' },
        rawBody,
      }),
    );
  }
  return { Records: queue.receive(rawBodies.length).map((m) => queue.toRecord(m)) };
}

describe('the event processor as wired for Lambda, on dynalite and a signature-checking moto', () => {
  it('stores the record in DynamoDB, archives the batch in S3, and dead-letters a poison message to SQS', async () => {
    lambdaEnvironment({
      PROVIDER: 'github',
      RECORDS_TABLE: dynamo.tableName('records'),
      BLOB_BUCKET: BUCKET,
      DLQ_URL: dlqUrl,
      MAX_RECEIVE_COUNT: '5',
    });
    const { handler } = await import('../../lambdas/handlers/event-processor');
    const issue = JSON.stringify(sampleGithubIssue({ number: 901, updatedAt: '2024-05-01T10:00:00Z' }));
    const event = await sqsEvent([issue, '{"not": "an issue event"']);
    const poison = event.Records[1]!;
    const res = await handler(event, lambdaContext('processor', 30_000));

    expect(res.batchItemFailures).toEqual([]);
    const stored = await dynamo.doc.get({
      TableName: dynamo.tableName('records'),
      Key: { pk: 'github#issue#Codertocat/Hello-World#901' },
    });
    expect(stored.Item).toMatchObject({ provider: 'github', type: 'issue' });
    // Prefix without '/': moto's signature check mis-signs a query value holding one (the SDK's request is right).
    const archived = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'archive' }));
    expect(archived.KeyCount).toBe(1);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageAttributeNames: ['All'] }));
    expect(dead.Messages?.map((m) => m.MessageAttributes?.[ATTR.eventId]?.StringValue)).toEqual([
      poison.messageAttributes[ATTR.eventId]!.stringValue,
    ]);
  });

  it('and the records API as wired reads it back (its polls catalogue from RECORD_POLLS, DynamoDB over JSON)', async () => {
    lambdaEnvironment({
      RECORDS_TABLE: dynamo.tableName('records'),
      CHECKPOINTS_TABLE: dynamo.tableName('checkpoints'),
      GAPS_TABLE: dynamo.tableName('gaps'),
      QUARANTINE_TABLE: dynamo.tableName('quarantine'),
      RECORD_POLLS: JSON.stringify(recordPollsOf(providers)),
    });
    const { handler } = await import('../../lambdas/handlers/records-read');
    const res = await handler({ rawPath: '/records/github/issue', queryStringParameters: { limit: '10' } } as never);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!).records.map((r: { key: string }) => r.key)).toContain('Codertocat/Hello-World#901');
    expect((await handler({ rawPath: '/records/nope/issue' } as never)).statusCode).toBe(404);
  });
});
