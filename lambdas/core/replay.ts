import { readArchive } from './archive';
import { chunked } from './chunks';
import { SQS_MESSAGE_LIMIT } from './blob-layout';
import { messageBytes } from './claim-check';
import { toQueueMessage } from './event-message';
import type { ListableBlobStore, QueueMessage } from './ports';

export interface ReplayOptions {
  blobs: ListableBlobStore;
  provider: string;
  from: Date;
  to: Date;
  /** Marks the re-enqueued messages, so the processor does not archive them again. */
  replayId: string;
  /** Sends one chunk: at most 10 messages and 1 MiB together, as one SQS SendMessageBatch allows. */
  enqueue(messages: QueueMessage[]): Promise<void>;
  dryRun?: boolean;
}

export interface ReplayResult {
  provider: string;
  from: string;
  to: string;
  replayId: string;
  found: number;
  enqueued: number;
}

/** Splits messages into SendMessageBatch-sized chunks (10 entries, 1 MiB in total). */
export function batches(
  messages: readonly QueueMessage[],
  maxEntries = 10,
  maxBytes = SQS_MESSAGE_LIMIT,
): QueueMessage[][] {
  return chunked(messages, { entries: maxEntries, bytes: maxBytes }, messageBytes);
}

/**
 * Re-enqueues a provider's archived events received in [from, to) on its queue, each marked with
 * the replay id. Safe to run any time: records are written only if newer than what is stored.
 *
 * @example
 * const r = await replayArchived({ blobs, provider: 'github', from, to, replayId: 'replay-2024-05-02T10:00:00Z', enqueue });
 * console.log(`${r.enqueued} of ${r.found} events re-enqueued`);
 */
export async function replayArchived(opts: ReplayOptions): Promise<ReplayResult> {
  const entries = await readArchive(opts.blobs, opts.provider, opts.from, opts.to);
  const messages = entries.map((e) =>
    toQueueMessage({ ...e, rawBody: e.body ?? e.bodyRef ?? '', bodyRef: e.bodyRef, replay: opts.replayId }),
  );
  let enqueued = 0;
  if (!opts.dryRun) {
    for (const chunk of batches(messages)) {
      await opts.enqueue(chunk);
      enqueued += chunk.length;
    }
  }
  return {
    provider: opts.provider,
    from: opts.from.toISOString(),
    to: opts.to.toISOString(),
    replayId: opts.replayId,
    found: entries.length,
    enqueued,
  };
}
