import { describeError, IntegrationError } from './errors';
import { parseWebhookBody } from './parse-body';
import type { QueueMessage } from './ports';
import type { WebhookEvent } from './provider';

/** Message attribute names shared by the ingest path (writer) and the processor (reader). */
export const ATTR = {
  provider: 'provider',
  eventId: 'eventId',
  traceId: 'traceId',
  receivedAt: 'receivedAt',
  headers: 'headers',
  failureKind: 'failureKind',
  failureReason: 'failureReason',
  receiveCount: 'receiveCount',
  /** Claim check: the blob key holding the body (the message body is then only a placeholder). */
  bodyRef: 'bodyRef',
  /** Set on re-enqueued archived events: the replay run's id, so the processor does not archive them again. */
  replay: 'replay',
  /** Set on events a recovery read back from the provider (its name): counted as EventsRecovered when they apply. */
  recovered: 'recovered',
} as const;

export interface EventEnvelope {
  provider: string;
  eventId: string;
  traceId: string;
  receivedAt: number;
  headers: Record<string, string>;
  rawBody: string;
  /** Where a claim-checked body lives (the archive keeps the pointer, not the body). */
  bodyRef?: string;
  /** The replay run that re-enqueued this event, if any. */
  replay?: string;
  /** The recovery that read this event back from the provider, if any (it keeps the event's own id). */
  recovered?: string;
}

export function toQueueMessage(e: EventEnvelope): QueueMessage {
  return {
    body: e.rawBody,
    attributes: {
      [ATTR.provider]: e.provider,
      [ATTR.eventId]: e.eventId,
      [ATTR.traceId]: e.traceId,
      [ATTR.receivedAt]: String(e.receivedAt),
      [ATTR.headers]: JSON.stringify(e.headers),
      ...(e.bodyRef ? { [ATTR.bodyRef]: e.bodyRef } : {}),
      ...(e.replay ? { [ATTR.replay]: e.replay } : {}),
      ...(e.recovered ? { [ATTR.recovered]: e.recovered } : {}),
    },
  };
}

/** Reads a queued message back; throws a plain Error naming the missing part (a permanent fault). */
export function fromQueueMessage(body: string, attributes: Record<string, string | undefined>): EventEnvelope {
  const need = (name: string): string => {
    const v = attributes[name];
    if (!v) throw new Error(`message attribute ${name} is missing`);
    return v;
  };
  const receivedAt = Number(need(ATTR.receivedAt));
  const headers: unknown = JSON.parse(attributes[ATTR.headers] ?? '{}');
  return {
    provider: need(ATTR.provider),
    eventId: need(ATTR.eventId),
    traceId: attributes[ATTR.traceId] ?? need(ATTR.eventId),
    receivedAt: Number.isFinite(receivedAt) ? receivedAt : 0,
    headers: headers && typeof headers === 'object' ? (headers as Record<string, string>) : {},
    rawBody: body,
    ...(attributes[ATTR.bodyRef] ? { bodyRef: attributes[ATTR.bodyRef] } : {}),
    ...(attributes[ATTR.replay] ? { replay: attributes[ATTR.replay] } : {}),
    ...(attributes[ATTR.recovered] ? { recovered: attributes[ATTR.recovered] } : {}),
  };
}

/**
 * fromQueueMessage for a consumer: a message it cannot read is a permanent `invalid_payload`, dead-lettered at once.
 */
export function readQueuedEvent(body: string, attributes: Record<string, string | undefined>): EventEnvelope {
  try {
    return fromQueueMessage(body, attributes);
  } catch (err) {
    throw new IntegrationError('invalid_payload', `unreadable message: ${describeError(err).message}`);
  }
}

export function toWebhookEvent(e: EventEnvelope): WebhookEvent {
  return {
    provider: e.provider,
    eventId: e.eventId,
    receivedAt: e.receivedAt,
    headers: e.headers,
    rawBody: e.rawBody,
    body: parseWebhookBody(e.rawBody, e.headers['content-type']),
  };
}
