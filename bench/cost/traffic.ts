import { randomUUID } from 'node:crypto';
import { webhookSamples } from '../../lambdas/providers';
import { TRELLO_CALLBACK_URL } from '../../lambdas/providers/trello';
import { prng } from '../../local/simulators/dataset';
import { signAs } from '../../local/sign';
import type { ProviderDefinition } from '../../lambdas/core/provider';

/** Share of the mix per provider (most traffic from code hosting and payments, as in a typical integration hub). */
export const PROVIDER_SHARE = {
  github: 0.35,
  stripe: 0.25,
  shopify: 0.15,
  slack: 0.1,
  trello: 0.1,
  standard: 0.05,
} as const;
export type MixProvider = keyof typeof PROVIDER_SHARE;

/**
 * How each event relates to what came before: the duplicate and out-of-order rates providers document as possible, made
 * explicit.
 */
export const MIX = {
  /** The same delivery again (same event id and body): a provider retrying after a timeout. */
  duplicate: 0.02,
  /** An older version of an entity arriving after a newer one (Stripe documents no ordering). */
  outOfOrder: 0.03,
  /** A newer version of an entity already seen. */
  update: 0.4,
} as const;

export type EventKind = 'new' | 'update' | 'stale' | 'duplicate';

export interface MixEvent {
  provider: MixProvider;
  kind: EventKind;
  entity: number;
  /** The entity's version (the provider's updated-at), epoch ms, whole seconds. */
  version: number;
  eventId: string;
  /** For a duplicate: the kind of the delivery it repeats (its payload is the same). */
  of?: EventKind;
}

/** A signed delivery, ready to become an API Gateway event. */
export interface SignedEvent extends MixEvent {
  headers: Record<string, string>;
  body: string;
}

const WORDS = (
  'the order was shipped late because the warehouse ran out of boxes and the customer asked whether a partial refund ' +
  'could cover the delay while support reviewed the tracking number invoice line items discount code address billing ' +
  'please check the attached screenshot it fails on mobile after login when the session expires before checkout ' +
  'release notes mention a fix for pagination and rate limits in the next version deploy rollback merge review comment'
).split(' ');

/** Prose-like free text of `bytes` bytes (what fills real payloads: descriptions, notes, issue bodies). */
function prose(random: () => number, bytes: number): string {
  let out = '';
  while (out.length < bytes) out += `${WORDS[Math.floor(random() * WORDS.length)]!}${random() < 0.08 ? '. ' : ' '}`;
  return out.slice(0, Math.max(0, bytes));
}

/**
 * The events of a realistic mix, in arrival order: new entities, updates, and, only in the last quarter
 * (a provider's retry or a late event comes minutes later), duplicates and out-of-order versions of
 * events from the first three quarters. Wave boundaries: `[0, split)` then `[split, count)`.
 *
 * @example
 * const { events, split } = mixEvents(240); // 143 new, 85 updates, 7 out of order, 5 duplicates
 * const delivery = signEvent(events[0]!, getProvider(events[0]!.provider)!, secret);
 */
export function mixEvents(count: number, seed = 7): { events: MixEvent[]; split: number } {
  const random = prng(seed);
  const providers = Object.entries(PROVIDER_SHARE) as [MixProvider, number][];
  const pick = (): MixProvider => {
    let r = random();
    for (const [name, share] of providers) if ((r -= share) < 0) return name;
    return providers[0]![0];
  };
  const split = Math.floor(count * 0.75);
  // Exactly the stated shares of duplicates and out-of-order events, at random places in the last quarter.
  const late = Array.from({ length: count - split }, (_, i) => split + i).sort(() => random() - 0.5);
  const duplicates = new Set(late.slice(0, Math.round(count * MIX.duplicate)));
  const stale = new Set(late.slice(duplicates.size, duplicates.size + Math.round(count * MIX.outOfOrder)));
  const start = Date.UTC(2026, 10, 1);
  const latest = new Map<string, { first: number; latest: number }>();
  const events: MixEvent[] = [];
  let nextEntity = 1;
  for (let i = 0; i < count; i += 1) {
    const provider = pick();
    const earlier = events.slice(0, split).filter((e) => e.provider === provider && e.kind !== 'duplicate');
    if (duplicates.has(i) && earlier.length > 0) {
      const original = earlier[Math.floor(random() * earlier.length)]!;
      events.push({ ...original, kind: 'duplicate', of: original.kind });
      continue;
    }
    const known = [...latest.entries()].filter(([k]) => k.startsWith(`${provider}#`));
    if (stale.has(i) && known.length > 0) {
      const [key, v] = known[Math.floor(random() * known.length)]!;
      // Older than anything stored: the processor must skip it.
      events.push({
        provider,
        kind: 'stale',
        entity: Number(key.split('#')[1]),
        version: v.first - 60_000,
        eventId: randomUUID(),
      });
      continue;
    }
    if (random() < MIX.update && known.length > 0) {
      const [key, v] = known[Math.floor(random() * known.length)]!;
      v.latest += (1 + Math.floor(random() * 600)) * 1000;
      events.push({
        provider,
        kind: 'update',
        entity: Number(key.split('#')[1]),
        version: v.latest,
        eventId: randomUUID(),
      });
      continue;
    }
    const entity = nextEntity++;
    const version = start + i * 2000;
    latest.set(`${provider}#${entity}`, { first: version, latest: version });
    events.push({ provider, kind: 'new', entity, version, eventId: randomUUID() });
  }
  return { events, split };
}

/** The provider's documented sample for an event, with `text` in its free-text field (which its mapping keeps). */
function payload(
  e: MixEvent,
  def: ProviderDefinition,
  text: string,
): { body: string; headers: Record<string, string> } {
  const samples = webhookSamples(def)!;
  // Ids in the provider's format, all drawn from the event's uuid: a duplicate carries the same ones.
  const hex = e.eventId.replaceAll('-', '');
  const eventId = samples.eventId({ hex: (n) => hex.slice(0, n), uuid: () => e.eventId });
  return samples.event({ eventId, key: samples.entity(e.entity).key, version: e.version, text });
}

/**
 * Signs an event as its provider does, its free text sized so the body is `bytes` long (default 5 KB).
 * The signing time is `now` (a retry is signed again); the payload's times are the event's own.
 */
export function signEvent(
  e: MixEvent,
  def: ProviderDefinition,
  secret: string,
  opts: { bytes?: number; now?: Date } = {},
): SignedEvent {
  const target = opts.bytes ?? 5 * 1024;
  const random = prng(e.entity * 7919 + Math.floor(e.version / 1000));
  const base = payload(e, def, '');
  const text = prose(random, target - Buffer.byteLength(base.body));
  const { body, headers } = payload(e, def, text);
  const webhook = def.webhook!;
  const signed = signAs(webhook.scheme, body, secret, {
    now: opts.now ?? new Date(),
    url: TRELLO_CALLBACK_URL,
    headers: { 'content-type': 'application/json', ...headers },
    hmac: webhook.hmac,
  });
  return { ...e, headers: signed.headers, body: signed.body };
}

export { TRELLO_CALLBACK_URL };
