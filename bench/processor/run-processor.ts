import { randomUUID } from 'node:crypto';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb';
import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import { PowertoolsTelemetry } from '../../lambdas/adapters/telemetry';
import { DEFAULT_NAMESPACE } from '../../lambdas/core/env-contract';
import type { BlobStore, QueueMessage } from '../../lambdas/core/ports';
import { TABLES } from '../../lambdas/core/tables';
import { createProcessorHandler, type ProcessorHandler } from '../../lambdas/handlers/event-processor';
import { getProvider } from '../../lambdas/providers';
import { lambdaContext } from '../../local/lambda-context';

/**
 * S3 stand-in for the archive: keeps nothing (S3 is not the store whose ceiling is measured), but the batch is still
 * gzipped.
 */
const discardingBlobs: BlobStore = {
  put: async () => {},
  get: async (key) => {
    throw new Error(`no blob ${key}`);
  },
};

/**
 * GitHub's event-processor Lambda as deployed: Powertools batch on the real SDK, the
 * records store, the archive, Powertools telemetry (written to a discarding sink instead of stdout).
 */
export function processorUnderTest(client: DynamoDBClient): { handle: ProcessorHandler; deadLettered: QueueMessage[] } {
  const telemetry = new PowertoolsTelemetry({
    serviceName: 'event-processor',
    namespace: DEFAULT_NAMESPACE,
    sink: () => {},
  });
  const deadLettered: QueueMessage[] = [];
  const handle = createProcessorHandler({
    provider: 'github',
    registry: getProvider,
    records: new DynamoRecordStore(createDocumentClient(client), TABLES.records.name),
    dlq: { send: async (m) => void deadLettered.push(m) },
    maxReceiveCount: 5,
    blobs: discardingBlobs,
    archive: { blobs: discardingBlobs, newId: randomUUID },
    telemetry,
    now: Date.now,
    flush: () => telemetry.flush(),
  });
  return { handle, deadLettered };
}

/** Runs `tasks` with at most `concurrency` at once; returns the wall time in seconds. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
  return (performance.now() - started) / 1000;
}

/**
 * Invokes the handler on every batch, `concurrency` invocations at once (the event source mapping's maximum
 * concurrency).
 */
export async function processBatches(
  handle: ProcessorHandler,
  batches: readonly SQSEvent[],
  concurrency: number,
): Promise<number> {
  return pool(batches, concurrency, async (event) => {
    const res = await handle(event, lambdaContext('github-event-processor', 30_000));
    if (res.batchItemFailures.length > 0)
      throw new Error(`processor failed ${res.batchItemFailures.length} of ${event.Records.length} records`);
  });
}

/**
 * The store's own limit: `count` conditional PutItems (attribute_not_exists on a fresh key, as the
 * records writes are) of `itemBytes` each, `concurrency` in flight, on the same SDK.
 */
export async function rawConditionalPuts(
  client: DynamoDBClient,
  opts: { count: number; concurrency: number; itemBytes: number; prefix: string },
): Promise<number> {
  const data = 'x'.repeat(Math.max(0, opts.itemBytes - 200));
  const keys = Array.from({ length: opts.count }, (_, i) => `${opts.prefix}#${i}`);
  return pool(keys, opts.concurrency, async (pk) => {
    await client.send(
      new PutItemCommand({
        TableName: TABLES.records.name,
        Item: { pk: { S: pk }, version: { N: '1' }, data: { S: data }, writtenAt: { N: String(Date.now()) } },
        ConditionExpression: 'attribute_not_exists(pk) OR #version < :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': { N: '1' } },
      }),
    );
  });
}
