import type { ClientRequest } from '../client/types';
import type { SyncSource } from './poll';

/** An event read back from the provider's log, as the webhook would have carried it. */
export interface RecoveredEvent {
  /**
   * The id the ingest would have queued it under (the provider's event id): the same event in logs and `ops event`.
   * The records' version condition applies it once, however often it is read back.
   */
  eventId: string;
  /** The body as the webhook carries it (JSON text). */
  body: string;
  /** The headers the mapping reads (`webhook.forwardHeaders`), lower-case. */
  headers: Record<string, string>;
}

/**
 * How recovered items reach the processor:
 * - `enqueue`: each listed item becomes the webhook's event, sent to the provider's webhook queue (Stripe events,
 *   Trello actions, Shopify resources); `event` returns undefined for an item with nothing to recover.
 * - `redeliver`: the provider sends a failed delivery again, signed, to the webhook URL (GitHub): per `guid`, the
 *   newest failed delivery of the window is redelivered unless some delivery of that guid succeeded.
 */
export type RecoveryDelivery<T> =
  | { kind: 'enqueue'; event(item: T, target: string | undefined): RecoveredEvent | undefined }
  | {
      kind: 'redeliver';
      /** The event's id across deliveries (GitHub's `guid`: the `X-GitHub-Delivery` header). */
      guid(item: T): string;
      /** The provider says this delivery succeeded. */
      ok(item: T): boolean;
      /** When it was delivered (epoch ms): the window it belongs to. */
      at(item: T): number;
      /** The call that asks for a redelivery; a 2xx answer means the provider accepted it. */
      request(item: T, target: string | undefined): ClientRequest;
    };

/**
 * A provider's way to fetch or redeliver webhooks it could not deliver: a sync source (checkpoint, windows, gaps,
 * resume, the client's limits) over its event log or delivery log, whose pages go back into the webhook path
 * instead of the records table. See docs/recovery.md.
 */
export interface RecoverySpec<T = unknown> extends SyncSource<T> {
  deliver: RecoveryDelivery<T>;
  /** What this recovery cannot see (deletes, topics without a list), for docs and the runbook. */
  limits?: string;
}

/** The checkpoint and gap name of a recovery: apart from the provider's polls, whatever their names. */
export const recoveryStateName = (name: string): string => `recover-${name}`;
