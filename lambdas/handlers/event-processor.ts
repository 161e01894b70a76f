import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { randomUUID } from 'node:crypto';
import { s3Blobs } from '../adapters/s3-blobs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createDocumentClient, createDynamoClient } from '../adapters/dynamodb';
import { DynamoRecordStore } from '../adapters/record-store';
import { sqsSenderOnFirstSend } from '../adapters/sqs-queue';
import { describeError, IntegrationError, isPermanent } from '../core/errors';
import { emitMetric, METRIC } from '../core/metrics';
import { ATTR, fromQueueMessage, type EventEnvelope } from '../core/event-message';
import type { BlobStore, QueueSender } from '../core/ports';
import { archiveEntry, writeArchive, type ArchiveEntry } from '../core/archive';
import { claimedBody } from '../core/claim-check';
import { processEvent, type ProcessDeps, type ProcessSummary } from '../core/process-event';
import { RecentFields } from '../core/schema-drift';
import { getProvider } from '../providers';
import { awsTelemetry, ENV, once, required } from './wiring';
import { deadLetter, messageAttributes } from './dead-letter';

export type ProcessorHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface ProcessorDeps extends ProcessDeps {
  persistenceStore: BasePersistenceLayer;
  /** The queue's DLQ: permanent failures and last attempts go there with their reason. */
  dlq?: QueueSender;
  /** The queue's maxReceiveCount; the attempt that reaches it moves the message itself. */
  maxReceiveCount: number;
  /** How long a processed event id is remembered (default 24 h). */
  idempotencySeconds?: number;
  /** Loads claim-checked bodies (messages with a `bodyRef` attribute). */
  blobs?: BlobStore;
  /** Archives every received event (one object per batch) before processing it; see archive.ts. */
  archive?: { blobs: BlobStore; newId(): string };
  flush?(): void;
}

/**
 * The event-processor Lambda: SQS batches with partial failures, each event applied once
 * (Powertools idempotency on `provider#eventId`), then upsert-if-newer per entity.
 *
 * @example
 * const handle = createProcessorHandler({ registry: getProvider, records, persistenceStore, telemetry, now: Date.now, maxReceiveCount: 5 });
 * const { batchItemFailures } = await handle(sqsEvent, context);
 */
export function createProcessorHandler(deps: ProcessorDeps): ProcessorHandler {
  // A drifted field's warn line once per 10 minutes per container; the metric counts every event.
  const processDeps: ProcessDeps = { ...deps, driftLog: deps.driftLog ?? new RecentFields(600_000) };
  // The key is the idempotent function's first argument (no JMESPath: Powertools builds a new
  // interpreter per search, a few % of the processor's CPU); the hash is the same as it was with
  // `eventKeyJmesPath: 'idempotencyKey'`, so records stored before still match.
  const config = new IdempotencyConfig({
    expiresAfterSeconds: deps.idempotencySeconds ?? 86_400,
    responseHook: (response) => {
      const provider = (response as { provider?: string } | null)?.provider;
      if (provider)
        emitMetric(deps.telemetry, METRIC.DuplicatesSkipped, 1, 'Count', { provider, operation: 'webhook' });
      return { ...(response as Record<string, unknown>), replayed: true } as typeof response;
    },
  });
  const applyOnce = makeIdempotent(
    async (
      _idempotencyKey: string,
      envelope: EventEnvelope,
    ): Promise<ProcessSummary & { provider: string; replayed?: boolean }> => ({
      provider: envelope.provider,
      ...(await processEvent(envelope, processDeps)),
    }),
    { persistenceStore: deps.persistenceStore, config, keyPrefix: 'webhook-event', dataIndexArgument: 0 },
  );

  const handleRecord = async (record: SQSRecord) => {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 1);
    const attrs = messageAttributes(record);
    const log = {
      provider: attrs[ATTR.provider],
      trace_id: attrs[ATTR.traceId],
      event_id: attrs[ATTR.eventId],
      message_id: record.messageId,
      attempt: receiveCount,
    };
    try {
      let envelope: EventEnvelope;
      try {
        envelope = fromQueueMessage(record.body, attrs);
      } catch (err) {
        throw new IntegrationError('invalid_payload', `unreadable message: ${describeError(err).message}`);
      }
      envelope = { ...envelope, rawBody: await claimedBody(record.body, attrs, deps.blobs) };
      // A replay gets its own idempotency key, so an event processed within the last 24 h is applied
      // again (e.g. after a mapping fix) while a redelivery of the same replay message still dedupes.
      // Safe because records are written only if newer: replaying cannot roll an entity back.
      const key = `${envelope.provider}#${envelope.eventId}${envelope.replay ? `#replay:${envelope.replay}` : ''}`;
      const result = await applyOnce(key, envelope);
      if (result.replayed) deps.telemetry.log('info', 'event already processed, skipped', log);
      else deps.telemetry.log('info', 'event processed', { ...log, ...result });
      return result;
    } catch (err) {
      const { kind, message } = describeError(err);
      const final = isPermanent(err) || receiveCount >= deps.maxReceiveCount;
      const dims = { provider: attrs[ATTR.provider] ?? 'unknown', operation: 'webhook' };
      if (final && (await deadLetter(deps.dlq, record, err, receiveCount))) {
        emitMetric(deps.telemetry, METRIC.EventsDeadLettered, 1, 'Count', dims);
        deps.telemetry.log('error', 'event moved to DLQ', { ...log, error_code: kind, error_message: message });
        return { deadLettered: true };
      }
      emitMetric(deps.telemetry, METRIC.EventsFailed, 1, 'Count', dims);
      deps.telemetry.log('warn', 'event failed, will retry', { ...log, error_code: kind, error_message: message });
      throw err;
    }
  };

  // Every received event is archived before it is processed, so poison events can be replayed after
  // a fix. A failed archive write fails the whole batch (retried): an acknowledged event is never
  // deleted unarchived. Retries archive again; readArchive keeps one copy per event id.
  const archiveBatch = async (records: SQSRecord[]): Promise<void> => {
    if (!deps.archive) return;
    const entries: ArchiveEntry[] = [];
    for (const record of records) {
      try {
        const envelope = fromQueueMessage(record.body, messageAttributes(record));
        if (!envelope.replay) entries.push(archiveEntry(envelope));
      } catch {
        // unreadable: handleRecord dead-letters it with the reason
      }
    }
    if (entries.length === 0) return;
    await writeArchive(entries, deps.archive);
    const counts = new Map<string, number>();
    for (const e of entries) counts.set(e.provider, (counts.get(e.provider) ?? 0) + 1);
    for (const [provider, n] of counts) emitMetric(deps.telemetry, METRIC.EventsArchived, n, 'Count', { provider });
  };

  return async (event, context) => {
    config.registerLambdaContext(context);
    const processor = new BatchProcessor(EventType.SQS);
    try {
      await archiveBatch(event.Records);
      return await processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false });
    } finally {
      deps.flush?.();
    }
  };
}

const aws = once(() => {
  const telemetry = awsTelemetry('event-processor');
  const dynamo = createDynamoClient();
  const bucket = process.env[ENV.blobBucket];
  const blobs = bucket ? s3Blobs(bucket) : undefined;
  return createProcessorHandler({
    blobs,
    archive: blobs ? { blobs, newId: randomUUID } : undefined,
    registry: getProvider,
    records: new DynamoRecordStore(createDocumentClient(dynamo), required(ENV.recordsTable)),
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: required(ENV.idempotencyTable),
      awsSdkV3Client: dynamo,
    }),
    // The DLQ is the rare path: its SQS client is imported when a message first goes there.
    dlq: sqsSenderOnFirstSend(required(ENV.dlqUrl)),
    maxReceiveCount: Number(process.env[ENV.maxReceiveCount] ?? 5),
    telemetry,
    now: Date.now,
    flush: () => telemetry.flush(),
  });
});

export const handler: ProcessorHandler = (event, context) => aws()(event, context);
