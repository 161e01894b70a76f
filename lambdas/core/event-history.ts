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

/** What became of an event, from data already written: the DLQ, the records it maps to, the archive. */
export type EventOutcome =
  | { status: 'processed' | 'stale' | 'duplicate'; written: number; stale: number; duplicate: number }
  | { status: 'dead-lettered'; kind?: string; reason?: string; attempts?: number }
  | { status: 'unknown'; note: string };

/** One record an event maps to, as the records table holds it now. */
export interface RecordSeen {
  version: number;
  /** Whether the stored record is this event's state, another event's, or missing. */
  stored: 'this event' | 'another event' | 'missing';
  storedVersion?: number;
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
 * What became of an event: dead-lettered (its DLQ message and reason), else read from the records it maps to (the
 * processor writes only newer versions): each holds this event's state (written), a newer one (stale) or the same
 * version from another event (duplicate). A record missing or older means the event is not applied yet.
 *
 * @example
 * eventOutcome({ records: [{ version: 2, stored: 'another event', storedVersion: 3 }] }) // { status: 'stale', ... }
 */
export function eventOutcome(seen: { deadLetter?: DeadLetter; records?: readonly RecordSeen[] }): EventOutcome {
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
  const records = seen.records ?? [];
  if (records.length === 0) return { status: 'unknown', note: 'the event maps to no record, so none shows it' };
  const counts = { written: 0, stale: 0, duplicate: 0 };
  for (const r of records) {
    if (r.stored === 'this event') counts.written += 1;
    else if (r.stored === 'another event' && (r.storedVersion ?? -1) > r.version) counts.stale += 1;
    else if (r.stored === 'another event' && r.storedVersion === r.version) counts.duplicate += 1;
    else return { status: 'unknown', note: 'not applied yet: still queued or retrying (see ops dlq)' };
  }
  const status = counts.written > 0 ? 'processed' : counts.stale > 0 ? 'stale' : 'duplicate';
  return { status, ...counts };
}
