import { randomUUID } from 'node:crypto';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type {
  AttributeValue as StreamValue,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import type { QueueSender } from '../lambdas/core/ports';

/** A Lambda event's image value: binary values travel as base64 strings in the event JSON. */
function streamValue(v: AttributeValue): StreamValue {
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString('base64') };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.M !== undefined) return { M: streamImage(v.M) };
  if (v.L !== undefined) return { L: v.L.map(streamValue) };
  return v as StreamValue;
}

const streamImage = (item: Record<string, AttributeValue>): Record<string, StreamValue> =>
  Object.fromEntries(Object.entries(item).map(([k, v]) => [k, streamValue(v)]));

type Item = Record<string, unknown>;

/** An item as DynamoDB stores it: the document client's items are plain values at this point of the stack. */
const attributeValues = (item: Item): Record<string, AttributeValue> =>
  typeof item.pk === 'string'
    ? marshall(item, { removeUndefinedValues: true })
    : (item as Record<string, AttributeValue>);

export interface RecordStreamOptions {
  /** The function the stream invokes (the same handler module Lambda runs). */
  handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse>;
  /** Where a batch goes after its retries (the event source's on-failure destination): the change DLQ. */
  dlq: QueueSender;
  batchSize?: number;
  /** Retries of a failed batch before its range goes to the DLQ (the CDK stack's retryAttempts). */
  retryAttempts?: number;
  /** Wait before retrying a failed batch (ms). */
  retryDelayMs?: number;
  onError?(err: unknown): void;
}

/**
 * DynamoDB Streams for the local records table, which dynalite does not implement: every successful PutItem on
 * the table asks for the item it replaced (`ReturnValues: ALL_OLD`, atomic with the put) and queues a stream
 * record with the old and new images (NEW_AND_OLD_IMAGES), whoever wrote it (processor, poller, backfill). Records
 * are handed in order, in batches, to the same change-stream handler Lambda runs, with the event source's
 * semantics: a reported failure is retried from that record on, a batch that keeps failing goes to the DLQ as
 * its sequence range. A put that fails (a condition, a fault) makes no record, as in DynamoDB.
 *
 * @example
 * const stream = new RecordStream(dynamo.client, 'records');
 * stream.start({ handler: createChangeStreamHandler(deps), dlq });
 */
export class RecordStream {
  private readonly pending: DynamoDBRecord[] = [];
  private sequence = 0;
  private opts?: RecordStreamOptions;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    // At serialize, outside the SDK's retries: one stream record per put that succeeded.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TableName?: string; Item?: Item; ReturnValues?: string };
        if (context.commandName !== 'PutItemCommand' || input.TableName !== this.tableName || !input.Item)
          return next(args);
        const out = await next({ ...args, input: { ...input, ReturnValues: 'ALL_OLD' } });
        const old = (out.output as { Attributes?: Item }).Attributes;
        this.push(attributeValues(input.Item), old ? attributeValues(old) : undefined);
        return out;
      },
      { step: 'serialize', name: 'localRecordStream', priority: 'high' },
    );
  }

  /** Records waiting (and the batch being handled). */
  get depth(): number {
    return this.pending.length;
  }

  start(opts: RecordStreamOptions): void {
    this.opts = opts;
    this.stopped = false;
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** Resolves when every record so far has been handled. */
  async drained(): Promise<void> {
    while (this.pending.length > 0 || this.running) await (this.running ?? new Promise((r) => setTimeout(r, 10)));
  }

  private push(item: Record<string, AttributeValue>, old: Record<string, AttributeValue> | undefined): void {
    this.sequence += 1;
    this.pending.push({
      eventID: randomUUID(),
      eventName: old ? 'MODIFY' : 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'local',
      eventSourceARN: `arn:aws:dynamodb:local:000000000000:table/${this.tableName}/stream/local`,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: { pk: streamValue(item.pk!) },
        NewImage: streamImage(item),
        ...(old ? { OldImage: streamImage(old) } : {}),
        SequenceNumber: String(this.sequence).padStart(21, '0'),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    this.pump();
  }

  private pump(): void {
    if (this.running || this.stopped || !this.opts || this.pending.length === 0) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      this.pump();
    });
  }

  /** One shard, in order: a batch at a time, retried from the first failed record. */
  private async drain(): Promise<void> {
    const opts = this.opts!;
    let attempts = 0;
    while (!this.stopped && this.pending.length > 0) {
      const batch = this.pending.slice(0, opts.batchSize ?? 100);
      const failedAt = await this.invoke(batch);
      const done =
        failedAt === undefined ? batch.length : batch.findIndex((r) => r.dynamodb?.SequenceNumber === failedAt);
      this.pending.splice(0, Math.max(0, done));
      if (failedAt === undefined) {
        attempts = 0;
        continue;
      }
      attempts += 1;
      if (attempts > (opts.retryAttempts ?? 10)) {
        await this.deadLetter(this.pending.splice(0, batch.length - Math.max(0, done)));
        attempts = 0;
      } else await new Promise((r) => setTimeout(r, opts.retryDelayMs ?? 200));
    }
  }

  private async invoke(batch: DynamoDBRecord[]): Promise<string | undefined> {
    try {
      const res = await this.opts!.handler({ Records: batch });
      return res.batchItemFailures[0]?.itemIdentifier;
    } catch (err) {
      this.opts!.onError?.(err);
      return batch[0]?.dynamodb?.SequenceNumber;
    }
  }

  /** What Lambda's on-failure destination gets for a stream batch: where it was, never the records. */
  private async deadLetter(records: DynamoDBRecord[]): Promise<void> {
    if (records.length === 0) return;
    const first = records[0]!.dynamodb!;
    const last = records.at(-1)!.dynamodb!;
    const info = {
      shardId: 'local',
      startSequenceNumber: first.SequenceNumber,
      endSequenceNumber: last.SequenceNumber,
      batchSize: records.length,
      streamArn: records[0]!.eventSourceARN,
    };
    await this.opts!.dlq.send({
      body: JSON.stringify({ stage: 'stream', DDBStreamBatchInfo: info }),
      attributes: {
        provider: 'changes',
        failureKind: 'retryable',
        failureReason: `stream batch failed after ${this.opts!.retryAttempts ?? 10} retries`,
      },
    });
  }
}
