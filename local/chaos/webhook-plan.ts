import { recordKey } from '../../lambdas/core/records';
import type { Rng } from './random';
import type { ChaosEvent, WebhookSender } from './webhook-payloads';

/**
 * How one delivery reaches the stack, and what the stack must answer:
 * - `first`: the event's first delivery (valid or poison) -> 2xx
 * - `duplicate`: the provider delivers the same event again, signed anew (its retry) -> 2xx, applied once
 * - `replay`: the exact bytes of an earlier delivery, sent at the end: a timestamped scheme refuses it once
 *   the tolerance has passed (401); the others accept it (2xx) and the event id dedupes it
 * - `forged-secret`: signed with a secret that is not the provider's -> 401
 * - `forged-tamper`: one event's signature on another event's body -> 401
 * - `stale`: signed with a timestamp far in the past or the future -> 401
 * - `malformed`: correctly signed, but truncated JSON or invalid UTF-8 -> 400
 * - `oversized`: over API Gateway's 10 MB -> 413
 */
export type DeliveryKind =
  | 'first'
  | 'duplicate'
  | 'replay'
  | 'forged-secret'
  | 'forged-tamper'
  | 'stale'
  | 'malformed'
  | 'oversized';

export interface Delivery {
  id: number;
  kind: DeliveryKind;
  /** The event signed (for `forged-tamper`, the one whose signature is reused). */
  event: ChaosEvent;
  expect: 'accepted' | 401 | 400 | 413;
  /** Sent after every other delivery (replays). */
  late?: boolean;
  /** Sign with a timestamp this many ms before now (negative: after). */
  signedAgoMs?: number;
  /** For `replay`: the delivery whose exact bytes are sent again. */
  replayOf?: number;
  /** For `forged-tamper`: the body actually sent. */
  tamperedTo?: ChaosEvent;
  /** For `malformed`: how the body is broken (invalid UTF-8: GitHub only, whose signature covers bytes alone). */
  broken?: 'truncated' | 'invalid-utf8';
}

export interface ExpectedRecord {
  provider: string;
  version: number;
  eventId: string;
}

export interface WebhookPlan {
  /** Every event the providers emit with a valid signature and a JSON body (valid and poison), once each. */
  events: ChaosEvent[];
  /** In sending order: the main traffic, shuffled, then the late replays. */
  deliveries: Delivery[];
  /** Record pk -> the highest version among valid events, and that event. */
  expected: Map<string, ExpectedRecord>;
  /** Events that must never be accepted (forged, stale, malformed, oversized). */
  rejectedEventIds: Set<string>;
  /** Entities whose versions are sent in another order than their versions' (out-of-order deliveries). */
  outOfOrderEntities: number;
}

export interface WebhookPlanOptions {
  /** The providers that send (webhookSenders). */
  senders: readonly WebhookSender[];
  /** Distinct valid events (poison and forged come on top). */
  events: number;
  /** Signature tolerance of the timestamped schemes (300 s by default in every provider here). */
  toleranceMs: number;
  /**
   * A replayed original is signed this long before the tolerance runs out, so it is accepted first and refused later.
   */
  replayMarginMs: number;
  /** Deliveries over 10 MB (each builds a 10 MB string). */
  oversized: number;
}

const BASE = Date.UTC(2025, 0, 1);
const share = (total: number, rate: number) => Math.max(1, Math.round(total * rate));

interface Entity {
  provider: string;
  type: string;
  key: string;
  /** The highest version among its valid events. */
  top: number;
}

/** Entities with several versions each, across the senders in turn; 1 % of events padded past the queue's limit. */
function planEvents(rng: Rng, opts: WebhookPlanOptions): { valid: ChaosEvent[]; entities: Entity[] } {
  const valid: ChaosEvent[] = [];
  const entities: Entity[] = [];
  const perProvider = Math.ceil(opts.events / opts.senders.length);
  for (const sender of opts.senders) {
    let made = 0;
    for (let index = 0; made < perProvider && valid.length < opts.events; index += 1) {
      const { type, key } = sender.samples.entity(index);
      let version = BASE + index * 86_400_000;
      const count = Math.min(rng.int(1, 6), perProvider - made, opts.events - valid.length);
      for (let v = 0; v < count; v += 1) {
        version += 1000 * rng.int(1, 3600);
        valid.push({ provider: sender.name, eventId: sender.samples.eventId(rng), type, key, version });
      }
      entities.push({ provider: sender.name, type, key, top: version });
      made += count;
    }
  }
  for (const e of rng.shuffle(valid).slice(0, Math.round(valid.length * 0.01))) e.padBytes = rng.int(300_000, 600_000);
  return { valid, entities };
}

function expectedRecords(valid: ChaosEvent[]): Map<string, ExpectedRecord> {
  const expected = new Map<string, ExpectedRecord>();
  for (const e of valid) {
    const pk = recordKey(e.provider, e.type, e.key);
    const seen = expected.get(pk);
    if (!seen || seen.version < e.version)
      expected.set(pk, { provider: e.provider, version: e.version, eventId: e.eventId });
  }
  return expected;
}

/** Deliveries in the order they are added, each with its id. */
class Deliveries {
  readonly all: Delivery[] = [];
  readonly rejected = new Set<string>();

  add(d: Omit<Delivery, 'id'>): Delivery {
    const delivery = { ...d, id: this.all.length };
    this.all.push(delivery);
    return delivery;
  }

  /** A delivery that must never be accepted: its event ids must never reach a record. */
  reject(d: Omit<Delivery, 'id'>): void {
    this.rejected.add(d.event.eventId);
    if (d.tamperedTo) this.rejected.add(d.tamperedTo.eventId);
    this.add(d);
  }
}

/** Every event's first delivery; 10 % delivered again (providers' retries); 2 % replayed byte for byte at the end. */
function planRedeliveries(rng: Rng, events: ChaosEvent[], out: Deliveries, opts: WebhookPlanOptions): void {
  const timestamped = new Set(opts.senders.filter((s) => s.timestamped).map((s) => s.name));
  const firsts = events.map((event) => out.add({ kind: 'first', event, expect: 'accepted' }));
  for (const first of rng.shuffle(firsts).slice(0, Math.round(firsts.length * 0.1))) {
    for (let i = rng.int(1, 2); i > 0; i -= 1) out.add({ kind: 'duplicate', event: first.event, expect: 'accepted' });
  }
  for (const first of rng.shuffle(firsts.filter((d) => !d.event.padBytes)).slice(0, share(firsts.length, 0.02))) {
    const signsTime = timestamped.has(first.event.provider);
    if (signsTime) first.signedAgoMs = opts.toleranceMs - opts.replayMarginMs;
    out.add({
      kind: 'replay',
      event: first.event,
      expect: signsTime ? 401 : 'accepted',
      late: true,
      replayOf: first.id,
    });
  }
}

/** Forged, tampered, stale, malformed and oversized deliveries, each about an `intruder` event. */
function planRejections(
  rng: Rng,
  intruder: (provider?: string) => ChaosEvent,
  out: Deliveries,
  opts: WebhookPlanOptions,
): void {
  for (let i = share(opts.events, 0.02); i > 0; i -= 1)
    out.reject({ kind: 'forged-secret', event: intruder(), expect: 401 });
  for (let i = share(opts.events, 0.02); i > 0; i -= 1) {
    const signed = intruder();
    const tamperedTo = { ...signed, version: signed.version + 1000 * rng.int(1, 1000) };
    out.reject({ kind: 'forged-tamper', event: signed, tamperedTo, expect: 401 });
  }
  const timestamped = opts.senders.filter((s) => s.timestamped).map((s) => s.name);
  for (let i = share(opts.events, 0.015); i > 0; i -= 1) {
    const later = 10 * 60_000 + rng.int(0, 3600) * 1000;
    const event = intruder(rng.pick(timestamped));
    const signedAgoMs = rng.chance(0.75) ? opts.toleranceMs + later : -(opts.toleranceMs + later);
    out.reject({ kind: 'stale', event, expect: 401, signedAgoMs });
  }
  const bytesOnly = new Set(opts.senders.filter((s) => s.scheme === 'github').map((s) => s.name));
  for (let i = share(opts.events, 0.015); i > 0; i -= 1) {
    const event = intruder();
    const broken = bytesOnly.has(event.provider) && rng.chance(0.5) ? 'invalid-utf8' : 'truncated';
    out.reject({ kind: 'malformed', event, expect: 400, broken });
  }
  for (let i = opts.oversized; i > 0; i -= 1) {
    const event = { ...intruder(), padBytes: 10 * 1024 * 1024 + rng.int(1, 4096) };
    out.reject({ kind: 'oversized', event, expect: 413 });
  }
}

/**
 * The webhook part of a chaos scenario, from a seed: entities with several versions each, their events
 * across the senders, and every fault delivery. The same rng stream always gives the same plan.
 *
 * @example
 * const plan = planWebhooks(seeded(7).fork('webhooks'), { senders: webhookSenders(providers), events: 3000, toleranceMs: 300_000, replayMarginMs: 20_000, oversized: 2 });
 */
export function planWebhooks(rng: Rng, opts: WebhookPlanOptions): WebhookPlan {
  const { valid, entities } = planEvents(rng, opts);
  const expected = expectedRecords(valid);
  const senders = new Map(opts.senders.map((s) => [s.name, s]));
  // An event about a known entity, newer than anything valid: if the stack ever took it, the record shows it.
  const intruder = (provider?: string): ChaosEvent => {
    const entity = rng.pick(provider ? entities.filter((x) => x.provider === provider) : entities);
    return {
      provider: entity.provider,
      eventId: senders.get(entity.provider)!.samples.eventId(rng),
      type: entity.type,
      key: entity.key,
      version: entity.top + 1000 * rng.int(1, 1_000_000),
    };
  };
  const poison = Array.from({ length: share(opts.events, 0.03) }, () => ({ ...intruder(), poison: true }));
  const events = [...valid, ...poison];
  const deliveries = new Deliveries();
  planRedeliveries(rng, events, deliveries, opts);
  planRejections(rng, intruder, deliveries, opts);
  const main = rng.shuffle(deliveries.all.filter((d) => !d.late));
  const late = deliveries.all.filter((d) => d.late);
  return {
    events,
    deliveries: [...main, ...late],
    expected,
    rejectedEventIds: deliveries.rejected,
    outOfOrderEntities: countOutOfOrder(main),
  };
}

function countOutOfOrder(order: Delivery[]): number {
  const last = new Map<string, number>();
  const out = new Set<string>();
  for (const d of order) {
    if (d.kind !== 'first' || d.event.poison) continue;
    const pk = recordKey(d.event.provider, d.event.type, d.event.key);
    if ((last.get(pk) ?? -Infinity) > d.event.version) out.add(pk);
    last.set(pk, Math.max(last.get(pk) ?? -Infinity, d.event.version));
  }
  return out.size;
}
