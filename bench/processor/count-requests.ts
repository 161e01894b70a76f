import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** DynamoDB requests one client sent, by operation, and the bytes of the write requests' bodies. */
export interface RequestCounts {
  byOperation: Map<string, number>;
  /** First attempts of write operations (retries are counted apart). */
  writes: number;
  writeBytes: number;
  /** Requests the SDK sent again (attempt 2 and later), any operation. */
  retries: number;
  /** Request-seconds in flight since the last reset: divided by the elapsed seconds, the mean number in flight. */
  inFlightSeconds: number;
  reset(): void;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/**
 * Counts what the processor really sends (an SDK middleware after serialization), so "writes per
 * event" is measured, not assumed from reading the code.
 *
 * @example
 * const counts = countRequests(client); await work(); counts.writes / events;
 */
export function countRequests(client: DynamoDBClient): RequestCounts {
  const counts: RequestCounts = {
    byOperation: new Map(),
    writes: 0,
    writeBytes: 0,
    retries: 0,
    inFlightSeconds: 0,
    reset() {
      this.byOperation.clear();
      this.writes = 0;
      this.writeBytes = 0;
      this.retries = 0;
      this.inFlightSeconds = 0;
    },
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      // The SDK numbers attempts in this header (`attempt=1; max=3`); a retry is not another write the processor needs.
      const attempt = Number(
        /attempt=(\d+)/.exec(
          String((args.request as { headers?: Record<string, string> }).headers?.['amz-sdk-request'] ?? ''),
        )?.[1] ?? 1,
      );
      if (attempt > 1) counts.retries += 1;
      else counts.byOperation.set(op, (counts.byOperation.get(op) ?? 0) + 1);
      if (WRITES.has(op) && attempt === 1) {
        counts.writes += 1;
        const body = (args.request as { body?: unknown }).body;
        counts.writeBytes +=
          typeof body === 'string' ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.byteLength : 0;
      }
      const started = performance.now();
      try {
        return await next(args);
      } finally {
        counts.inFlightSeconds += (performance.now() - started) / 1000;
      }
    },
    { step: 'finalizeRequest', name: 'benchCountRequests' },
  );
  return counts;
}
