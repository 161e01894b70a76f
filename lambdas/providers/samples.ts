/** A delivery as the provider sends it, before signing: the body and the provider's own headers (ids, topic). */
export interface UnsignedDelivery {
  body: string;
  headers: Record<string, string>;
}

/** Random id pieces a sample draws from: crypto for `ops send` and the demo, a seeded source in the chaos run. */
export interface SampleIds {
  /** `n` lower-case hex digits. */
  hex(n: number): string;
  uuid(): string;
}

/** One event about one entity, at one version. */
export interface SampleEvent {
  /** In the provider's format, as `eventId` makes it. */
  eventId: string;
  /** The entity's key, as `entity` gives it. */
  key: string;
  /** The entity's version in epoch ms, whole seconds (Stripe and GitHub version by the second). */
  version: number;
  /** Put in a free-text field the mapping keeps: pads a body to a size. */
  text?: string;
  /** Breaks exactly one field the mapping requires: accepted by the ingest, dead-lettered by the processor. */
  poison?: boolean;
}

/**
 * A provider's documented sample deliveries, exported beside its definition and never part of it, so Lambda
 * bundles leave them out (nothing there imports them). Local tools and tests find them through
 * `webhookSamples` (lambdas/providers/index.ts).
 *
 * @example
 * const { body, headers } = stripeSamples.documented({ now: new Date(), ids });
 */
export interface WebhookSamples {
  /** The provider's documented example delivery with fresh ids and times: every call a new event. */
  documented(opts: { now: Date; ids: SampleIds }): UnsignedDelivery;
  /** The record type and key of the `index`-th entity, in the provider's own id format. */
  entity(index: number): { type: string; key: string };
  /** A new event id in the provider's format. */
  eventId(ids: SampleIds): string;
  /** The delivery of one event about one entity, built on the documented example. */
  event(e: SampleEvent): UnsignedDelivery;
  /** Headers the provider adds when it delivers an event again. */
  retryHeaders?: Record<string, string>;
}
