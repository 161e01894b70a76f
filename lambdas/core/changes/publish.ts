import { describeError } from '../errors';
import { ATTR } from '../event-message';
import { emitMetric, METRIC } from '../metrics';
import type { QueueSender, Telemetry } from '../ports';
import type { StoredRecord } from '../records';
import { chunked } from '../chunks';
import { type BusEntry, busEntry, entryBytes, MAX_ENTRY_BYTES } from './bus-entry';
import { detectChange } from './detect';
import type { ChangeDetail } from './schema';

/** One write to the records table as the table's stream reports it, its images read. */
export interface StreamChange {
  /** The stream record's sequence number: the batch item a failure is reported on. */
  sequenceNumber: string;
  /** The item's key (`provider#type#key`). */
  pk: string;
  previous?: StoredRecord;
  next?: StoredRecord;
  /** Set when the images could not be read (a corrupt item): it goes to the DLQ with this reason. */
  unreadable?: string;
}

/** The bus: puts entries in order and says which of them it did not take. */
export interface ChangeBus {
  put(entries: BusEntry[]): Promise<{ failed: { index: number; code?: string }[] }>;
}

export interface PublishDeps {
  bus: ChangeBus;
  /** The change DLQ: writes whose event cannot be made at all (never retried). */
  dlq: QueueSender;
  telemetry: Telemetry;
}

export interface PublishResult {
  published: number;
  unchanged: number;
  deadLettered: number;
  /** The first record not published (it and every later one come again): the batch item failure. */
  failedAt?: string;
}

/** PutEvents takes at most 10 entries and 256 KB in one call. */
const PUT_ENTRIES = 10;

type Step = { change: StreamChange; entry?: BusEntry; detail?: ChangeDetail; error?: unknown };

function stepOf(change: StreamChange): Step {
  if (change.unreadable || !change.next) return { change, error: new Error(change.unreadable ?? 'no new image') };
  try {
    const detail = detectChange(change.previous, change.next);
    return { change, detail, entry: detail ? busEntry(detail) : undefined };
  } catch (err) {
    return { change, error: err };
  }
}

const providerOf = (c: StreamChange): string => c.next?.provider ?? c.pk.split('#')[0] ?? 'unknown';

/** A write no event can be made of, as the DLQ keeps it: its key and why; the record itself stays in the table. */
function deadLetter(step: Step, reason: unknown) {
  const { kind, message } = describeError(reason);
  return {
    body: JSON.stringify({ stage: 'stream', pk: step.change.pk, sequenceNumber: step.change.sequenceNumber }),
    attributes: {
      [ATTR.provider]: providerOf(step.change),
      ...(step.detail ? { [ATTR.eventId]: step.detail.eventId } : {}),
      [ATTR.failureKind]: kind === 'permanent' ? kind : 'permanent',
      [ATTR.failureReason]: message.slice(0, 1000),
    },
  };
}

/**
 * Turns a batch of the records table's stream into change events on the bus, in stream order (so per key, by
 * version): a write that changed no content publishes nothing; one no event can be made of goes to the DLQ with
 * its reason; the first record the bus did not take ends the batch, and it and every later record come again
 * (events already put are put again: consumers see them at least once, with the same `eventId`).
 *
 * @example
 * const { failedAt } = await publishChanges(changes, { bus, dlq, telemetry });
 * return { batchItemFailures: failedAt ? [{ itemIdentifier: failedAt }] : [] };
 */
export async function publishChanges(changes: StreamChange[], deps: PublishDeps): Promise<PublishResult> {
  const result: PublishResult = { published: 0, unchanged: 0, deadLettered: 0 };
  let pending: Step[] = [];
  const flush = async (): Promise<boolean> => {
    // In order, cut into PutEvents calls of at most 10 entries and 256 KB.
    for (const chunk of chunked(pending, { entries: PUT_ENTRIES, bytes: MAX_ENTRY_BYTES }, (s) =>
      entryBytes(s.entry!),
    )) {
      const failedAt = await putChunk(chunk, deps, result);
      if (failedAt) {
        result.failedAt = failedAt;
        return false;
      }
    }
    pending = [];
    return true;
  };
  for (const step of changes.map(stepOf)) {
    if (step.entry) pending.push(step);
    else if (!step.error) result.unchanged += 1;
    else {
      if (!(await flush())) return result;
      if (!(await sendDeadLetter(step, deps, result))) return result;
    }
  }
  await flush();
  deps.telemetry.log('info', 'change batch done', {
    published: result.published,
    unchanged: result.unchanged,
    dead_lettered: result.deadLettered,
    ...(result.failedAt ? { failed_at: result.failedAt } : {}),
  });
  return result;
}

async function sendDeadLetter(step: Step, deps: PublishDeps, result: PublishResult): Promise<boolean> {
  const provider = providerOf(step.change);
  try {
    await deps.dlq.send(deadLetter(step, step.error));
  } catch {
    result.failedAt = step.change.sequenceNumber;
    return false;
  }
  result.deadLettered += 1;
  emitMetric(deps.telemetry, METRIC.ChangesDeadLettered, 1, 'Count', { provider });
  deps.telemetry.log('error', 'change dead-lettered', {
    provider,
    record: step.change.pk,
    error_message: describeError(step.error).message,
  });
  return true;
}

/** One PutEvents call; the sequence number of the first entry it did not take, if any. */
async function putChunk(chunk: Step[], deps: PublishDeps, result: PublishResult): Promise<string | undefined> {
  let failed: { index: number; code?: string }[];
  try {
    ({ failed } = await deps.bus.put(chunk.map((s) => s.entry!)));
  } catch (err) {
    failed = [{ index: 0, code: describeError(err).kind }];
  }
  const first = failed.length > 0 ? Math.min(...failed.map((f) => f.index)) : chunk.length;
  for (const s of chunk.slice(0, first)) {
    const d = s.detail!;
    result.published += 1;
    emitMetric(deps.telemetry, METRIC.ChangesPublished, 1, 'Count', { provider: d.provider, operation: d.type });
    // Debug: one line per change would cost as much again as the processor's own line per event.
    deps.telemetry.log('debug', 'change published', {
      provider: d.provider,
      record_type: d.type,
      version: d.version,
      change: d.change,
      event_id: d.eventId,
      fields: Object.keys(d.changed).length,
    });
  }
  if (first === chunk.length) return undefined;
  const code = failed.find((f) => f.index === first)?.code;
  deps.telemetry.log('warn', 'change not published, will retry', {
    provider: chunk[first]!.detail!.provider,
    event_id: chunk[first]!.detail!.eventId,
    error_code: code,
  });
  return chunk[first]!.change.sequenceNumber;
}
