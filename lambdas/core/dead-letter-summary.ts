import { ATTR } from './event-message';

/** A dead-lettered message as `npm run ops -- dlq` shows it, whichever queue service holds it. */
export interface DeadLetter {
  messageId: string;
  /** When it was sent to the DLQ (epoch ms). */
  sentAt: number;
  attributes: Record<string, string>;
  bodyBytes: number;
}

/** The fields an operator needs first: which event, why it failed, after how many attempts. */
export function deadLetterSummary(d: DeadLetter): {
  messageId: string;
  eventId?: string;
  failureKind?: string;
  failureReason?: string;
  receiveCount?: string;
  sentAt: string;
  bodyBytes: number;
  claimChecked: boolean;
} {
  return {
    messageId: d.messageId,
    eventId: d.attributes[ATTR.eventId],
    failureKind: d.attributes[ATTR.failureKind],
    failureReason: d.attributes[ATTR.failureReason],
    receiveCount: d.attributes[ATTR.receiveCount],
    sentAt: new Date(d.sentAt).toISOString(),
    bodyBytes: d.bodyBytes,
    claimChecked: Boolean(d.attributes[ATTR.bodyRef]),
  };
}
