import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import { decodeArchive } from '../../lambdas/core/archive';
import { ATTR, toQueueMessage } from '../../lambdas/core/event-message';
import { createProcessorHandler } from '../../lambdas/handlers/event-processor';
import { getProvider } from '../../lambdas/providers';
import { startDynamo, type LocalDynamo } from '../../local/dynamo';
import { lambdaContext } from '../../local/lambda-context';
import { sampleGithubIssue } from '../../lambdas/providers/github';
import { MemoryBlobs, MemoryQueue, RecordingTelemetry } from '../helpers/memory';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => dynamo.close());

let seq = 0;
function record(n: number, attrs: Record<string, string> = {}, body?: string): SQSRecord {
  seq += 1;
  const m = toQueueMessage({
    provider: 'github',
    eventId: `evt-${seq}`,
    traceId: `evt-${seq}`,
    receivedAt: Date.parse('2024-05-01T10:00:00Z'),
    headers: { 'x-github-event': 'issues' },
    rawBody: body ?? JSON.stringify(sampleGithubIssue({ number: n, updatedAt: '2024-05-01T10:00:00Z' })),
  });
  const attributes = { ...m.attributes, ...attrs };
  return {
    messageId: `m-${seq}`,
    receiptHandle: `r-${seq}`,
    body: m.body,
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:0:github',
    awsRegion: 'local',
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: Object.fromEntries(
      Object.entries(attributes).map(([k, v]) => [
        k,
        { stringValue: v, dataType: 'String', stringListValues: [], binaryListValues: [] },
      ]),
    ),
  };
}

function processor(opts: { archive: MemoryBlobs; blobs?: MemoryBlobs }) {
  const dlq = new MemoryQueue();
  const records = new DynamoRecordStore(dynamo.doc, dynamo.tableName('records'));
  const telemetry = new RecordingTelemetry();
  const handle = createProcessorHandler({
    provider: 'github',
    registry: getProvider,
    records,
    telemetry,
    now: Date.now,
    maxReceiveCount: 5,
    dlq,
    blobs: opts.blobs,
    archive: { blobs: opts.archive, newId: () => `a-${seq}` },
  });
  return {
    dlq,
    records,
    telemetry,
    run: (rs: SQSRecord[]) => handle({ Records: rs } as SQSEvent, lambdaContext('processor', 30_000)),
  };
}

describe('event processor: archive and claim check', () => {
  it('archives a whole batch in one object before processing it, skipping replays', async () => {
    const archive = new MemoryBlobs();
    const p = processor({ archive });
    const res = await p.run([record(201), record(202), record(203, { [ATTR.replay]: 'replay-1' })]);
    expect(res.batchItemFailures).toEqual([]);
    expect(archive.objects.size).toBe(1);
    const [entries] = await Promise.all([...archive.objects.values()].map((b) => decodeArchive(b)));
    expect(entries!.map((e) => JSON.parse(e.body!).issue.number)).toEqual([201, 202]);
    expect(await p.records.get('github', 'issue', 'Codertocat/Hello-World#203')).toBeDefined();
  });

  it('fails the batch when the archive cannot be written, so nothing acknowledged is lost unarchived', async () => {
    const archive = new MemoryBlobs();
    archive.failing = true;
    const p = processor({ archive });
    await expect(p.run([record(211)])).rejects.toThrow('blob store unavailable');
    expect(await p.records.get('github', 'issue', 'Codertocat/Hello-World#211')).toBeUndefined();
  });

  it('loads a claim-checked body, and dead-letters at once one whose body has expired', async () => {
    const blobs = new MemoryBlobs();
    const p = processor({ archive: new MemoryBlobs(), blobs });
    await blobs.put(
      'payloads/github/2024-05-01/big',
      JSON.stringify(sampleGithubIssue({ number: 221, title: 'from the blob store' })),
    );
    const res = await p.run([
      record(0, { [ATTR.bodyRef]: 'payloads/github/2024-05-01/big' }, 'payloads/github/2024-05-01/big'),
      record(0, { [ATTR.bodyRef]: 'payloads/github/2024-05-01/gone' }, 'payloads/github/2024-05-01/gone'),
    ]);
    expect(res.batchItemFailures).toEqual([]);
    expect((await p.records.get('github', 'issue', 'Codertocat/Hello-World#221'))?.data.title).toBe(
      'from the blob store',
    );
    expect(p.dlq.messages).toHaveLength(1);
    expect(p.dlq.messages[0]!.attributes).toMatchObject({
      [ATTR.failureKind]: 'permanent',
      [ATTR.bodyRef]: 'payloads/github/2024-05-01/gone',
    });
    expect(p.dlq.messages[0]!.attributes[ATTR.failureReason]).toContain('does not exist');
  });

  it('applies a redelivered event once: its version is stored, so the second copy writes nothing', async () => {
    const p = processor({ archive: new MemoryBlobs() });
    const r = record(231);
    expect((await p.run([r])).batchItemFailures).toEqual([]);
    const first = await p.records.get('github', 'issue', 'Codertocat/Hello-World#231');
    expect((await p.run([r, { ...r, messageId: 'again' }])).batchItemFailures).toEqual([]);
    const after = await p.records.get('github', 'issue', 'Codertocat/Hello-World#231');
    expect(after).toEqual(first);
    // Counted as duplicates; only the first copy says how late the event was applied.
    expect(p.telemetry.count('DuplicatesSkipped', { provider: 'github' })).toBe(2);
    expect(p.telemetry.metrics.filter((m) => m.name === 'EventLagMs' && !m.dims.operation)).toHaveLength(1);
    expect(first?.eventId).toBe(`evt-${seq}`);
  });
});

describe('event processor: one provider per function', () => {
  it('dead-letters at once an event of another provider, which its role could not store', async () => {
    const p = processor({ archive: new MemoryBlobs() });
    const other = record(241);
    other.messageAttributes[ATTR.provider]!.stringValue = 'stripe';
    expect((await p.run([other])).batchItemFailures).toEqual([]);
    expect(p.dlq.messages).toHaveLength(1);
    expect(p.dlq.messages[0]!.attributes[ATTR.failureReason]).toContain('serves github, not stripe');
  });
});
