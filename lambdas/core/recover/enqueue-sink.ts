import pLimit from 'p-limit';
import { claimCheck, payloadKey } from '../claim-check';
import { toQueueMessage } from '../event-message';
import type { BlobStore, QueueSender } from '../ports';
import type { RecoveredEvent, RecoverySpec } from '../provider';
import { contentHash } from '../sync/content-hash';
import type { PageSink, Run } from '../sync/run';

/** Sends in flight at once per page: one SQS connection's worth, without a burst the queue would throttle. */
const SENDS_IN_FLIGHT = 10;

export interface EnqueueDeps {
  /** The provider's webhook queue: the processor applies what arrives there once per event id. */
  queue: QueueSender;
  /** Where a body too big for a message goes (claim check); without it such an item is quarantined. */
  blobs?: BlobStore;
  newId(): string;
}

type Enqueue = Extract<RecoverySpec['deliver'], { kind: 'enqueue' }>;

/** One recovered event on the webhook queue, as the ingest would have queued it, marked with the recovery's name. */
async function send(run: Run, spec: RecoverySpec, event: RecoveredEvent, deps: EnqueueDeps): Promise<boolean> {
  const now = run.deps.now();
  const message = toQueueMessage({
    provider: run.provider,
    eventId: event.eventId,
    traceId: event.eventId,
    receivedAt: now,
    headers: event.headers,
    rawBody: event.body,
    recovered: spec.name,
  });
  const key = () => payloadKey(run.provider, new Date(now), deps.newId());
  const sendable = await claimCheck(message, { blobs: deps.blobs, key });
  if (!sendable) return false;
  await deps.queue.send(sendable);
  return true;
}

/**
 * A recovery's sink for event logs: each listed item becomes the webhook's event (its own id, the headers the
 * mapping reads) on the provider's webhook queue, marked `recovered`, so the processor applies it once whether or
 * not the webhook also arrives, in either order. An item too big for a message with no blob store is quarantined.
 *
 * @example
 * await runPoll({ provider: stripe, poll: events, sink: enqueueSink(events, events.deliver, undefined, { queue, newId }) }, deps);
 */
export function enqueueSink(
  spec: RecoverySpec,
  deliver: Enqueue,
  target: string | undefined,
  deps: EnqueueDeps,
): PageSink {
  return {
    open: (run, window) => async (page) => {
      if (page.drift?.length) run.drift.merge(page.drift);
      const limit = pLimit(SENDS_IN_FLIGHT);
      const events = page.records.map((item) => [item, deliver.event(item, target)] as const);
      const unsent = await Promise.all(
        events.map(([item, event], index) =>
          limit(async () => {
            if (!event) return undefined;
            if (await send(run, spec, event, deps)) {
              run.summary.eventsRecovered += 1;
              return undefined;
            }
            const reason = 'too large for a queue message and no blob store to claim-check it';
            return { index, record: item, reason, window, position: page.position, id: contentHash(item) };
          }),
        ),
      );
      const bad = unsent.filter((u) => u !== undefined);
      if (bad.length === 0) return;
      run.summary.recordsQuarantined += bad.length;
      await run.deps.state.quarantine(run.provider, run.poll.name, bad, run.deps.now());
    },
  };
}
