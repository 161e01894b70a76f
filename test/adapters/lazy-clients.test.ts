import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazy } from '../../lambdas/adapters/lazy';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store';
import { SqsQueueSender } from '../../lambdas/adapters/sqs-queue';
import { AwsContract } from '../helpers/aws-contract';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let aws: AwsContract;
beforeAll(async () => {
  aws = await new AwsContract().start();
});
afterAll(async () => aws.stop());

describe('clients built on first use (rare paths cost nothing at cold start)', () => {
  it('builds the S3 client when a blob is first written, once, and reads and lists through it', async () => {
    let built = 0;
    const blobs = new S3BlobStore(async () => {
      built += 1;
      return new S3Client({ endpoint: aws.url, region: 'us-east-1', credentials, forcePathStyle: true });
    }, 'blobs-bucket');
    expect(built).toBe(0);
    await Promise.all([blobs.put('payloads/github/a', 'one'), blobs.put('payloads/github/b', 'two')]);
    expect((await blobs.get('payloads/github/b')).toString()).toBe('two');
    expect(await blobs.list('payloads/github/')).toEqual(['payloads/github/a', 'payloads/github/b']);
    await expect(blobs.get('payloads/github/missing')).rejects.toMatchObject({ kind: 'permanent' });
    expect(built).toBe(1);
  });

  it('builds the SQS client when a message is first sent, once', async () => {
    const queue = aws.addQueue('lazy-dlq');
    let built = 0;
    const sender = new SqsQueueSender(async () => {
      built += 1;
      return new SQSClient({ endpoint: aws.url, region: 'us-east-1', credentials });
    }, queue.url);
    expect(built).toBe(0);
    await sender.send({ body: '{"a":1}', attributes: { provider: 'github' } });
    await sender.send({ body: '{"a":2}', attributes: { provider: 'github' } });
    expect(built).toBe(1);
    expect(queue.messages.map((m) => [m.body, m.attributes.provider])).toEqual([
      ['{"a":1}', 'github'],
      ['{"a":2}', 'github'],
    ]);
  });

  it('retries a failed build on the next use instead of keeping the failure', async () => {
    let attempts = 0;
    const value = lazy(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('import failed');
      return 'client';
    });
    await expect(value()).rejects.toThrow('import failed');
    expect(await value()).toBe('client');
    expect(await value()).toBe('client');
    expect(attempts).toBe(2);
  });
});
