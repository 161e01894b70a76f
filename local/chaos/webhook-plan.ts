import { recordKey } from '../../lambdas/core/records';
import type { Rng } from './random';
import {
  entityOf,
  newEventId,
  TIMESTAMPED,
  WEBHOOK_PROVIDERS,
  type ChaosEvent,
  type WebhookProvider,
} from './webhook-payloads';

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
  provider: WebhookProvider;
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
  /** Distinct valid events (poison and forged come on top). */
  events: number;
  /** Signature tolerance of the timestamped schemes (300 s by default in every provider here). */
  toleranceMs: number;
  /** A replayed original is signed this long before the tolerance runs out, so it is accepted first and refused later. */
  replayMarginMs: number;
  /** Deliveries over 10 MB (each builds a 10 MB string). */
  oversized: number;
}

const BASE = Date.UTC(2025, 0, 1);
const share = (total: number, rate: number) => Math.max(1, Math.round(total * rate));

/**
 * The webhook part of a chaos scenario, from a seed: entities with several versions each, their events
 * across the six providers, and every fault delivery. The same rng stream always gives the same plan.
 *
 * @example
 * const plan = planWebhooks(seeded(7).fork('webhooks'), { events: 3000, toleranceMs: 300_000, replayMarginMs: 20_000, oversized: 2 });
 */
export function planWebhooks(rng: Rng, opts: WebhookPlanOptions): WebhookPlan {
  const valid: ChaosEvent[] = [];
  const entities: { provider: WebhookProvider; type: string; key: string; top: number }[] = [];
  const perProvider = Math.ceil(opts.events / WEBHOOK_PROVIDERS.length);
  for (const provider of WEBHOOK_PROVIDERS) {
    let made = 0;
    for (let index = 0; made < perProvider && valid.length < opts.events; index += 1) {
      const { type, key } = entityOf(provider, index);
      let version = BASE + index * 86_400_000;
      const count = Math.min(rng.int(1, 6), perProvider - made, opts.events - valid.length);
      for (let v = 0; v < count; v += 1) {
        version += 1000 * rng.int(1, 3600);
        valid.push({ provider, eventId: newEventId(provider, rng), type, key, version });
      }
      entities.push({ provider, type, key, top: version });
      made += count;
    }
  }
  for (const e of rng.shuffle(valid).slice(0, Math.round(valid.length * 0.01))) e.padBytes = rng.int(300_000, 600_000);

  const expected = new Map<string, ExpectedRecord>();
  for (const e of valid) {
    const pk = recordKey(e.provider, e.type, e.key);
    const seen = expected.get(pk);
    if (!seen || seen.version < e.version)
      expected.set(pk, { provider: e.provider, version: e.version, eventId: e.eventId });
  }

  // An event about a known entity, newer than anything valid: if the stack ever took it, the record shows it.
  const intruder = (provider?: WebhookProvider): ChaosEvent => {
    const entity = rng.pick(provider ? entities.filter((x) => x.provider === provider) : entities);
    return {
      provider: entity.provider,
      eventId: newEventId(entity.provider, rng),
      type: entity.type,
      key: entity.key,
      version: entity.top + 1000 * rng.int(1, 1_000_000),
    };
  };
  const poison = Array.from({ length: share(opts.events, 0.03) }, () => ({ ...intruder(), poison: true }));
  const events = [...valid, ...poison];

  const deliveries: Delivery[] = [];
  const add = (d: Omit<Delivery, 'id'>) => {
    const delivery = { ...d, id: deliveries.length };
    deliveries.push(delivery);
    return delivery;
  };
  const firsts = events.map((event) => add({ kind: 'first', event, expect: 'accepted' }));
  for (const first of rng.shuffle(firsts).slice(0, Math.round(firsts.length * 0.1))) {
    for (let i = rng.int(1, 2); i > 0; i -= 1) add({ kind: 'duplicate', event: first.event, expect: 'accepted' });
  }
  for (const first of rng.shuffle(firsts.filter((d) => !d.event.padBytes)).slice(0, share(firsts.length, 0.02))) {
    const timestamped = TIMESTAMPED.has(first.event.provider);
    if (timestamped) first.signedAgoMs = opts.toleranceMs - opts.replayMarginMs;
    add({ kind: 'replay', event: first.event, expect: timestamped ? 401 : 'accepted', late: true, replayOf: first.id });
  }
  const rejected = new Set<string>();
  const reject = (d: Omit<Delivery, 'id'>) => {
    rejected.add(d.event.eventId);
    if (d.tamperedTo) rejected.add(d.tamperedTo.eventId);
    add(d);
  };
  for (let i = share(opts.events, 0.02); i > 0; i -= 1)
    reject({ kind: 'forged-secret', event: intruder(), expect: 401 });
  for (let i = share(opts.events, 0.02); i > 0; i -= 1) {
    const signed = intruder();
    reject({
      kind: 'forged-tamper',
      event: signed,
      tamperedTo: { ...signed, version: signed.version + 1000 * rng.int(1, 1000) },
      expect: 401,
    });
  }
  for (let i = share(opts.events, 0.015); i > 0; i -= 1) {
    const later = 10 * 60_000 + rng.int(0, 3600) * 1000;
    reject({
      kind: 'stale',
      event: intruder(rng.pick([...TIMESTAMPED])),
      expect: 401,
      signedAgoMs: rng.chance(0.75) ? opts.toleranceMs + later : -(opts.toleranceMs + later),
    });
  }
  for (let i = share(opts.events, 0.015); i > 0; i -= 1) {
    const event = intruder();
    reject({
      kind: 'malformed',
      event,
      expect: 400,
      broken: event.provider === 'github' && rng.chance(0.5) ? 'invalid-utf8' : 'truncated',
    });
  }
  for (let i = opts.oversized; i > 0; i -= 1)
    reject({ kind: 'oversized', event: { ...intruder(), padBytes: 10 * 1024 * 1024 + rng.int(1, 4096) }, expect: 413 });

  const main = rng.shuffle(deliveries.filter((d) => !d.late));
  const late = deliveries.filter((d) => d.late);
  return {
    events,
    deliveries: [...main, ...late],
    expected,
    rejectedEventIds: rejected,
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
