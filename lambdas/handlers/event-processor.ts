import { randomUUID } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { JsonDocumentClient } from '../adapters/dynamodb-json';
import { DynamoRecordStore } from '../adapters/record-store';
import { S3RestBlobs } from '../adapters/s3-rest';
import { sqsSender } from '../adapters/sqs-sender';
import { archiveReceived } from '../core/archive';
import { claimedBody } from '../core/claim-check';
import { describeError, IntegrationError } from '../core/errors';
import { ATTR, readQueuedEvent } from '../core/event-message';
import { settleFailure } from '../core/failure-policy';
import { emitMetric, METRIC } from '../core/metrics';
import type { BlobStore, QueueSender } from '../core/ports';
import { appliedBefore, processEvent, type ProcessDeps, type ProcessSummary } from '../core/process-event';
import { RecentFields } from '../core/schema-drift';
import { getProvider } from '../providers';
import { deliveryOf, messageAttributes } from './shared/sqs-record';
import { awsTelemetry, ENV, once, required } from './shared/lambda-init';

export type ProcessorHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface ProcessorDeps extends ProcessDeps {
  /** The provider this function serves (one function per provider, as in Lambda): its role writes only its records. */
  provider: string;
  /** The queue's DLQ: permanent failures and last attempts go there with their reason. */
  dlq?: QueueSender;
  /** The queue's maxReceiveCount; the attempt that reaches it moves the message itself. */
  maxReceiveCount: number;
  /** Loads claim-checked bodies (messages with a `bodyRef` attribute). */
  blobs?: BlobStore;
  /** Archives every received event (one object per batch) before processing it; see archive.ts. */
  archive?: { blobs: BlobStore; newId(): string };
  flush?(): void;
}

/**
 * The event-processor Lambda: SQS batches with partial failures, each event applied once by the records table's own
 * condition (upsert-if-newer per entity: a second copy of an event finds its version stored and writes nothing), so
 * no idempotency record is written per event; Powertools idempotency stays where a side effect cannot be made
 * conditional (the command writer).
 *
 * @example
 * const handle = createProcessorHandler({ provider: 'github', registry: getProvider, records, telemetry, now: Date.now, maxReceiveCount: 5 });
 * const { batchItemFailures } = await handle(sqsEvent, context);
 */
export function createProcessorHandler(deps: ProcessorDeps): ProcessorHandler {
  // A drifted field's warn line once per 10 minutes per container; the metric counts every event.
  const processDeps: ProcessDeps = { ...deps, driftLog: deps.driftLog ?? new RecentFields(600_000) };
  return async (event, context) => {
    const processor = new BatchProcessor(EventType.SQS);
    try {
      if (deps.archive)
        await archiveReceived(
          event.Records.map((r) => ({ body: r.body, attributes: messageAttributes(r) })),
          { ...deps.archive, telemetry: deps.telemetry },
        );
      return await processPartialResponse(
        event,
        (record: SQSRecord) => handleEvent(record, processDeps, deps),
        processor,
        {
          context,
          throwOnFullBatchFailure: false,
        },
      );
    } finally {
      deps.flush?.();
    }
  };
}

// Counts that are zero are left out of the line every event writes (a busy webhook's logs are billed by the byte).
const nonZero = (r: ProcessSummary) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== 0));

/** One record: read it, load a claim-checked body, apply it; a failure goes through the failure policy. */
async function handleEvent(
  record: SQSRecord,
  processDeps: ProcessDeps,
  deps: ProcessorDeps,
): Promise<ProcessSummary | { deadLettered: true }> {
  const delivery = deliveryOf(record);
  const attrs = delivery.attributes;
  const ids = { provider: attrs[ATTR.provider], trace_id: attrs[ATTR.traceId], event_id: attrs[ATTR.eventId] };
  // The success line leaves the message id and a first attempt to the failure lines.
  const attempt = delivery.receiveCount;
  const log = { ...ids, message_id: record.messageId, attempt };
  try {
    const received = readQueuedEvent(record.body, attrs);
    // Its role may touch only its own provider's items; another provider's event cannot succeed here.
    if (received.provider !== deps.provider)
      throw new IntegrationError('invalid_payload', `this processor serves ${deps.provider}, not ${received.provider}`);
    const envelope = { ...received, rawBody: await claimedBody(record.body, attrs, deps.blobs) };
    const result = await processEvent(envelope, processDeps);
    const recovered = envelope.recovered ? { recovered: envelope.recovered } : {};
    deps.telemetry.log('info', appliedBefore(result) ? 'event already processed, skipped' : 'event processed', {
      ...ids,
      ...(attempt > 1 ? { attempt } : {}),
      ...nonZero(result),
      ...recovered,
    });
    // Read back from the provider and new to us: a webhook that never arrived (or not yet).
    if (envelope.recovered && result.written > 0)
      emitMetric(deps.telemetry, METRIC.EventsRecovered, 1, 'Count', {
        provider: deps.provider,
        operation: envelope.recovered,
      });
    return result;
  } catch (err) {
    const { kind, message } = describeError(err);
    const dims = { provider: attrs[ATTR.provider] ?? 'unknown', operation: 'webhook' };
    if ((await settleFailure(delivery, err, deps)) === 'dead-lettered') {
      emitMetric(deps.telemetry, METRIC.EventsDeadLettered, 1, 'Count', dims);
      deps.telemetry.log('error', 'event moved to DLQ', { ...log, error_code: kind, error_message: message });
      return { deadLettered: true };
    }
    emitMetric(deps.telemetry, METRIC.EventsFailed, 1, 'Count', dims);
    deps.telemetry.log('warn', 'event failed, will retry', { ...log, error_code: kind, error_message: message });
    throw err;
  }
}

const aws = once(() => {
  const telemetry = awsTelemetry('event-processor');
  const bucket = process.env[ENV.blobBucket];
  const blobs = bucket ? new S3RestBlobs(bucket) : undefined;
  return createProcessorHandler({
    provider: required(ENV.provider),
    blobs,
    archive: blobs ? { blobs, newId: randomUUID } : undefined,
    registry: getProvider,
    records: new DynamoRecordStore(new JsonDocumentClient(), required(ENV.recordsTable)),
    dlq: sqsSender(required(ENV.dlqUrl)),
    maxReceiveCount: Number(process.env[ENV.maxReceiveCount] ?? 5),
    telemetry,
    now: Date.now,
    flush: () => telemetry.flush(),
  });
});

export const handler: ProcessorHandler = (event, context) => aws()(event, context);
