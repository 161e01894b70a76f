import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { EventBridgeBus, eventBridgeCaller } from '../adapters/eventbridge-bus';
import { sqsSender } from '../adapters/sqs-sender';
import { streamChange } from '../adapters/stream-records';
import { type ChangeBus, publishChanges } from '../core/changes/publish';
import type { QueueSender, Telemetry } from '../core/ports';
import { awsTelemetry, ENV, once, required } from './shared/lambda-init';

export type ChangeStreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export interface ChangeStreamDeps {
  bus: ChangeBus;
  /** The change DLQ: writes no event can be made of. */
  dlq: QueueSender;
  telemetry: Telemetry;
  flush?(): void;
}

/**
 * The change publisher Lambda: the records table's stream (NEW_AND_OLD_IMAGES, INSERT and MODIFY) in, one change
 * event per record created or changed out, on the stage's bus (core/changes/publish.ts decides). A record the bus
 * did not take is reported as the batch item failure, so Lambda retries from it, in order; after the event source's
 * retries the batch's range goes to the change DLQ.
 *
 * @example
 * const handle = createChangeStreamHandler({ bus, dlq, telemetry });
 * const { batchItemFailures } = await handle(streamEvent);
 */
export function createChangeStreamHandler(deps: ChangeStreamDeps): ChangeStreamHandler {
  return async (event) => {
    try {
      const { failedAt } = await publishChanges(event.Records.map(streamChange), deps);
      return { batchItemFailures: failedAt ? [{ itemIdentifier: failedAt }] : [] };
    } finally {
      deps.flush?.();
    }
  };
}

const aws = once(() => {
  const telemetry = awsTelemetry('change-stream');
  return createChangeStreamHandler({
    bus: new EventBridgeBus(eventBridgeCaller(), required(ENV.changeBus)),
    dlq: sqsSender(required(ENV.dlqUrl)),
    telemetry,
    flush: () => telemetry.flush(),
  });
});

export const handler: ChangeStreamHandler = (event) => aws()(event);
