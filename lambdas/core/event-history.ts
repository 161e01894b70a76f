import type { ArchiveEntry } from './archive';
import type { DeadLetter } from './dead-letter-summary';
import { ATTR } from './event-message';
import { parseWebhookBody } from './parse-body';

/** One accepted event as `ops events` lists it, from the archive. */
export interface ArchivedEvent {
  eventId: string;
  type?: string;
  traceId: string;
  /** First receipt (epoch ms). */
  receivedAt: number;
  /** Deliveries from the provider (each a new receipt) and receives by the processor (retries included). */
  deliveries: number;
  receives: number;
}

/** What became of an event, from data already written: the DLQ, the processor's idempotency record, the archive. */
export type EventOutcome =
  | { status: 'processed' | 'stale' | 'duplicate'; written: number; stale: number; duplicate: number }
  | { status: 'dead-lettered'; kind?: string; reason?: string; attempts?: number }
  | { status: 'processing' }
  | { status: 'unknown'; note: string };

/** The processor's idempotency record of an event: Powertools' status and the summary it stored. */
export interface IdempotencySeen {
  status: string;
  data?: { written?: number; stale?: number; duplicate?: number };
}

const pick = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * The event's type as its provider names it, from the headers kept and the body: GitHub's `x-github-event`
 * (with the action), Shopify's `x-shopify-topic`, then `type` (Stripe, Standard Webhooks, Slack's envelope,
 * whose inner `event.type` wins), Trello's `action.type`.
 *
 * @example
 * eventTypeOf({ 'x-github-event': 'issues' }, '{"action":"opened"}') // 'issues.opened'
 */
export function eventTypeOf(headers: Record<string, string>, rawBody: string | undefined): string | undefined {
  let body: unknown;
  try {
    body = rawBody === undefined ? undefined : parseWebhookBody(rawBody, headers['content-type']);
  } catch {
    body = undefined;
  }
  const github = str(headers['x-github-event']);
  if (github) return [github, str(pick(body, 'action'))].filter(Boolean).join('.');
  return (
    str(headers['x-shopify-topic']) ??
    str(pick(body, 'event', 'type')) ??
    str(pick(body, 'action', 'type')) ??
    str(pick(body, 'type'))
  );
}

/**
 * Groups archived copies into events: one per event id, its first receipt, how many deliveries (receipt times)
 * and receives (copies) it had.
 *
 * @example
 * archivedEvents(await readArchiveCopies(blobs, 'github', from, to)).filter((e) => e.type === 'issues.opened');
 */
export function archivedEvents(copies: readonly ArchiveEntry[]): ArchivedEvent[] {
  const byId = new Map<string, { first: ArchiveEntry; receipts: Set<number>; receives: number }>();
  for (const c of copies) {
    const seen = byId.get(c.eventId);
    if (seen) {
      seen.receipts.add(c.receivedAt);
      seen.receives += 1;
    } else byId.set(c.eventId, { first: c, receipts: new Set([c.receivedAt]), receives: 1 });
  }
  return [...byId.values()].map(({ first, receipts, receives }) => ({
    eventId: first.eventId,
    type: eventTypeOf(first.headers, first.body),
    traceId: first.traceId,
    receivedAt: first.receivedAt,
    deliveries: receipts.size,
    receives,
  }));
}

/**
 * What became of an event: dead-lettered (its DLQ message and reason), processed, stale or duplicate (the
 * idempotency record's summary), still processing, or unknown (no record: not processed yet, or processed
 * before the record's 24 h expired).
 *
 * @example
 * eventOutcome({ idempotency: { status: 'COMPLETED', data: { written: 1, stale: 0, duplicate: 0 } } }) // { status: 'processed', ... }
 */
export function eventOutcome(seen: { deadLetter?: DeadLetter; idempotency?: IdempotencySeen }): EventOutcome {
  const dl = seen.deadLetter;
  if (dl) {
    const attempts = Number(dl.attributes[ATTR.receiveCount]);
    return {
      status: 'dead-lettered',
      kind: dl.attributes[ATTR.failureKind],
      reason: dl.attributes[ATTR.failureReason],
      ...(Number.isFinite(attempts) ? { attempts } : {}),
    };
  }
  const rec = seen.idempotency;
  if (rec?.status === 'INPROGRESS') return { status: 'processing' };
  if (rec?.status !== 'COMPLETED')
    return { status: 'unknown', note: 'no processing record: still queued or retrying, or processed over 24 h ago' };
  const counts = { written: rec.data?.written ?? 0, stale: rec.data?.stale ?? 0, duplicate: rec.data?.duplicate ?? 0 };
  const status =
    counts.written > 0 ? 'processed' : counts.stale > 0 ? 'stale' : counts.duplicate > 0 ? 'duplicate' : 'processed';
  return { status, ...counts };
}
