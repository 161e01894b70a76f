import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store';
import { writeArchive, type ArchiveEntry } from '../../lambdas/core/archive';
import { IntegrationError } from '../../lambdas/core/errors';
import { ATTR } from '../../lambdas/core/event-message';
import { AwsOpsTarget, stackOutputs } from '../../bin/ops/aws-target';
import { dlq } from '../../bin/ops/dlq';
import { redrive } from '../../bin/ops/redrive';
import { replay } from '../../bin/ops/replay';
import { AwsContract, type SimQueue } from '../helpers/aws-contract';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let aws: AwsContract;
let queue: SimQueue;
let dlqQueue: SimQueue;
let target: AwsOpsTarget;
let s3: S3Client;

beforeAll(async () => {
  aws = await new AwsContract().start();
});
afterAll(async () => aws.stop());

beforeEach(async () => {
  aws.queues.length = 0;
  aws.calls.length = 0;
  aws.objects.clear();
  dlqQueue = aws.addQueue('IntegrationStack-WebhookgithubDlq-X');
  queue = aws.addQueue('IntegrationStack-WebhookgithubQueue-Y', { dlq: dlqQueue });
  aws.stackOutputs = {
    BlobBucketName: 'blobs-bucket',
    QueueUrlgithub: queue.url,
    DlqUrlgithub: dlqQueue.url,
    WebhookUrlgithub: 'https://x/webhooks/github',
  };
  const cfn = new CloudFormationClient({ endpoint: aws.url, region: 'us-east-1', credentials });
  s3 = new S3Client({ endpoint: aws.url, region: 'us-east-1', credentials, forcePathStyle: true });
  target = new AwsOpsTarget({
    stackName: 'IntegrationStack',
    outputs: await stackOutputs(cfn, 'IntegrationStack'),
    sqs: new SQSClient({ endpoint: aws.url, region: 'us-east-1', credentials }),
    s3,
    sleep: async () => {},
  });
});

const dead = (eventId: string, reason: string) => ({
  [ATTR.provider]: 'github',
  [ATTR.eventId]: eventId,
  [ATTR.receivedAt]: '1714557600000',
  [ATTR.headers]: '{}',
  [ATTR.failureKind]: 'invalid_payload',
  [ATTR.failureReason]: reason,
  [ATTR.receiveCount]: '1',
});

describe('ops against a deployed stack (simulated SQS, S3 and CloudFormation contracts)', () => {
  it('finds the queues and the bucket through the stack outputs', async () => {
    expect(target.where).toBe('AWS stack IntegrationStack');
    expect(
      aws.calls.filter((c) => c.service === 'cloudformation').map((c) => (c.input as { StackName: string }).StackName),
    ).toEqual(['IntegrationStack']);
    const outputs = await stackOutputs(
      new CloudFormationClient({ endpoint: aws.url, region: 'us-east-1', credentials }),
      'IntegrationStack',
    );
    expect(() => outputs.queueUrl('slack')).toThrow(/no output QueueUrlslack/);
  });

  it('lists DLQ messages with their reasons and leaves them in the DLQ, visible again', async () => {
    for (let i = 0; i < 12; i += 1) aws.put(dlqQueue, `{"n":${i}}`, dead(`e-${i}`, `reason ${i}`));
    const r = await dlq(target, 'github', { limit: 100 });
    expect(r.count).toBe(12);
    expect(r.total).toBe(12);
    expect(r.messages[3]).toMatchObject({
      eventId: 'e-3',
      failureKind: 'invalid_payload',
      failureReason: 'reason 3',
      receiveCount: '1',
    });
    expect(dlqQueue.messages.every((m) => m.visibleAt <= Date.now())).toBe(true);
    expect(
      aws.calls
        .filter((c) => c.op === 'ChangeMessageVisibilityBatch')
        .map((c) => (c.input as { Entries: unknown[] }).Entries.length),
    ).toEqual([10, 2]);
  });

  it('redrives with StartMessageMoveTask from the DLQ to the queue and waits for the task to finish', async () => {
    aws.moveTaskPolls = 2;
    for (let i = 0; i < 3; i += 1) aws.put(dlqQueue, `{"n":${i}}`, dead(`e-${i}`, 'x'));
    const r = await redrive(target, 'github', { wait: true });
    expect(r).toMatchObject({ moved: 3, status: 'COMPLETED', provider: 'github' });
    const start = aws.calls.find((c) => c.op === 'StartMessageMoveTask')!;
    expect(start.input).toEqual({ SourceArn: dlqQueue.arn, DestinationArn: queue.arn });
    expect(aws.calls.filter((c) => c.op === 'ListMessageMoveTasks')).toHaveLength(3);
    expect(queue.messages.map((m) => m.attributes[ATTR.eventId])).toEqual(['e-0', 'e-1', 'e-2']);
    expect(dlqQueue.messages).toHaveLength(0);
  });

  it('starts nothing when the DLQ is empty, and returns at once with --no-wait', async () => {
    expect(await redrive(target, 'github', { wait: true })).toMatchObject({ moved: 0, status: 'NOTHING_TO_MOVE' });
    expect(aws.calls.some((c) => c.op === 'StartMessageMoveTask')).toBe(false);
    aws.put(dlqQueue, '{}', dead('e', 'x'));
    expect(await redrive(target, 'github', { wait: false })).toMatchObject({
      moved: 1,
      status: 'RUNNING',
      handle: expect.any(String),
    });
  });

  it('replays the S3 archive into the queue in batches of at most 10', async () => {
    const blobs = new S3BlobStore(s3, 'blobs-bucket');
    const entries: ArchiveEntry[] = Array.from({ length: 13 }, (_, i) => ({
      provider: 'github',
      eventId: `e-${i}`,
      traceId: `e-${i}`,
      receivedAt: Date.parse('2024-05-01T10:00:00Z') + i * 600_000,
      headers: {},
      body: `{"n":${i}}`,
    }));
    let id = 0;
    await writeArchive(entries.slice(0, 5), { blobs, newId: () => String((id += 1)) });
    await writeArchive(entries.slice(5), { blobs, newId: () => String((id += 1)) });
    const r = await replay(target, 'github', {
      from: new Date('2024-05-01T10:00:00Z'),
      to: new Date('2024-05-01T12:00:00Z'),
      now: new Date('2024-05-02T00:00:00Z'),
    });
    expect(r).toMatchObject({ found: 12, enqueued: 12, replayId: 'replay-2024-05-02T00:00:00.000Z' });
    expect(
      aws.calls
        .filter((c) => c.op === 'SendMessageBatch')
        .map((c) => (c.input as { Entries: unknown[] }).Entries.length),
    ).toEqual([10, 2]);
    expect(queue.messages[0]!.attributes).toMatchObject({
      [ATTR.eventId]: 'e-0',
      [ATTR.replay]: 'replay-2024-05-02T00:00:00.000Z',
    });
    expect(aws.calls.filter((c) => c.op === 'ListObjectsV2').length).toBeGreaterThan(1);
  });

  it('stores and loads blobs on S3, and reports a missing one as a permanent error', async () => {
    const blobs = new S3BlobStore(s3, 'blobs-bucket');
    await blobs.put('payloads/github/2024-05-01/a', 'x'.repeat(2_000_000), { contentType: 'application/json' });
    expect((await blobs.get('payloads/github/2024-05-01/a')).length).toBe(2_000_000);
    const err = await blobs.get('payloads/github/2024-05-01/gone').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrationError);
    expect((err as IntegrationError).kind).toBe('permanent');
  });
});
