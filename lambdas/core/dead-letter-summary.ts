import { ATTR } from './event-message';
import { missedRun } from './scheduler-dead-letter';
import { CMD_ATTR } from './writes/command';

/** A dead-lettered message as `npm run ops -- dlq` shows it, whichever queue service holds it. */
export interface DeadLetter {
  messageId: string;
  /** When it was sent to the DLQ (epoch ms). */
  sentAt: number;
  attributes: Record<string, string>;
  bodyBytes: number;
  /** The message body, when the reader kept it (ops redrive reads commands and missed runs from it). */
  body?: string;
}

/** The fields an operator needs first: which event, command, poll or recovery, why it failed, after how many attempts. */
export interface DeadLetterSummary {
  messageId: string;
  eventId?: string;
  commandId?: string;
  operation?: string;
  /** `provider/poll` of a missed scheduled poll. */
  poll?: string;
  /** `provider/recovery` of a missed scheduled recovery. */
  recovery?: string;
  failureKind?: string;
  failureReason?: string;
  receiveCount?: string;
  sentAt: string;
  bodyBytes: number;
  claimChecked: boolean;
}

/**
 * What `ops dlq` shows of a dead letter: webhook events and commands carry their failure in attributes, a missed
 * poll or recovery in its body (see scheduler-dead-letter.ts).
 *
 * @example
 * deadLetterSummary(message).failureReason // 'invalid_payload: ...'
 */
export function deadLetterSummary(d: DeadLetter): DeadLetterSummary {
  const missed =
    d.body !== undefined && d.attributes[ATTR.eventId] === undefined ? missedRun(d.body, d.attributes) : undefined;
  const run = missed ? `${missed.provider}/${missed.name}` : undefined;
  return {
    messageId: d.messageId,
    eventId: d.attributes[ATTR.eventId],
    commandId: d.attributes[CMD_ATTR.commandId],
    operation: d.attributes[CMD_ATTR.operation],
    poll: missed?.kind === 'poll' ? run : undefined,
    recovery: missed?.kind === 'recovery' ? run : undefined,
    failureKind: d.attributes[ATTR.failureKind] ?? (missed ? 'missed_run' : undefined),
    failureReason: d.attributes[ATTR.failureReason] ?? missed?.reason,
    receiveCount: d.attributes[ATTR.receiveCount],
    sentAt: new Date(d.sentAt).toISOString(),
    bodyBytes: d.bodyBytes,
    claimChecked: Boolean(d.attributes[ATTR.bodyRef]),
  };
}
