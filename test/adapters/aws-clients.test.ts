import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store';
import { sqsRetryDelay, sqsSender } from '../../lambdas/adapters/sqs-sender';
import { type Moto, recordCommands, startMoto, stubSdkEnvironment } from '../helpers/moto';

let moto: Moto;
let sqs: SQSClient;
let s3: S3Client;
beforeAll(async () => {
  moto = await startMoto();
  sqs = new SQSClient({ endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials });
  s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials, forcePathStyle: true });
});
afterAll(async () => {
  sqs?.destroy();
  s3?.destroy();
  await moto?.stop();
});
afterEach(() => vi.unstubAllEnvs());

const newQueue = async (name: string) => (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
const newBucket = async (name: string) => {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
};
/** Every message on the queue, as [body, provider attribute], in the order sent. */
async function drain(queueUrl: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) return out;
    for (const m of Messages) out.push([m.Body ?? '', m.MessageAttributes?.provider?.StringValue ?? '']);
  }
}

describe("S3BlobStore (the tools' blob store, on the SDK client), on moto", () => {
  it('puts, gets and lists a bucket, and a missing key is a permanent error', async () => {
    const bucket = await newBucket('tool-blobs');
    const blobs = new S3BlobStore(s3, bucket);
    await Promise.all([blobs.put('payloads/github/a', 'one'), blobs.put('payloads/github/b', 'two')]);
    expect((await blobs.get('payloads/github/b')).toString()).toBe('two');
    await blobs.put('payloads/slack/c', 'three');
    expect(await blobs.list('payloads/github/')).toEqual(['payloads/github/a', 'payloads/github/b']);
    await expect(blobs.get('payloads/github/missing')).rejects.toMatchObject({ kind: 'permanent' });
  });

  it('lists past one page, following the continuation token, sorted', async () => {
    const bucket = await newBucket('lazy-pages');
    const client = new S3Client({ endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials });
    // S3 pages at 1000 keys; asking moto for pages of 2 makes the adapter's paging show with 5 keys.
    client.middlewareStack.add(
      (next) => (args) => {
        Object.assign(args.input as object, { MaxKeys: 2 });
        return next(args);
      },
      { step: 'initialize', name: 'smallPages' },
    );
    const calls = recordCommands(client);
    const blobs = new S3BlobStore(client, bucket);
    const keys = ['e', 'c', 'a', 'd', 'b'].map((k) => `archive/github/${k}`);
    for (const k of keys) await blobs.put(k, k);
    await blobs.put('archive/slack/z', 'other provider');
    calls.length = 0;
    expect(await blobs.list('archive/github/')).toEqual([...keys].sort());
    expect(calls.map((c) => c.command)).toEqual([
      'ListObjectsV2Command',
      'ListObjectsV2Command',
      'ListObjectsV2Command',
    ]);
  });
});

describe("the Lambda-side SQS calls (aws-json), built from the environment as in Lambda's, on moto", () => {
  it('sqsSender delivers to its queue with String attributes', async () => {
    const main = await newQueue('env-main');
    stubSdkEnvironment(moto);
    await sqsSender(main).send({ body: 'ü body', attributes: { provider: 'stripe' } });
    expect(await drain(main)).toEqual([['ü body', 'stripe']]);
  });

  it('sqsRetryDelay hides a received message for the seconds it is given (ChangeMessageVisibility)', async () => {
    const queue = await newQueue('env-delay');
    stubSdkEnvironment(moto);
    await sqsSender(queue).send({ body: 'later', attributes: { provider: 'trello' } });
    const receive = () =>
      sqs.send(new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: 1, VisibilityTimeout: 0 }));
    const { Messages = [] } = await receive();
    expect(Messages).toHaveLength(1);
    await sqsRetryDelay(queue).delay(Messages[0]!.ReceiptHandle!, 600);
    expect((await receive()).Messages ?? []).toEqual([]);
  });
});
