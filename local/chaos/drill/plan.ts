import { webhookSamples } from '../../../lambdas/providers';
import type { ProviderDefinition } from '../../../lambdas/core/provider';
import { objectIdAt } from '../../../lambdas/providers/trello-recover';
import type { Rng } from '../random';

const MINUTE = 60_000;

/** Every webhook provider sends in the drill: four with a recovery API, two senders without one. */
export const DRILL_PROVIDERS = ['stripe', 'github', 'trello', 'shopify', 'slack', 'standard'] as const;
export type DrillProvider = (typeof DRILL_PROVIDERS)[number];

/** A span of provider time in which the ingest answers `status`: down (503), or throttled (429). */
export interface Outage {
  status: 503 | 429;
  from: number;
  to: number;
}

/** One event a simulated provider emits: about one entity, at one version, at that time on its clock. */
export interface DrillEvent {
  provider: DrillProvider;
  eventId: string;
  /** The record it lands in. */
  type: string;
  key: string;
  /** Its version and when it happens (epoch ms, whole seconds). */
  version: number;
}

export interface DrillPlan {
  start: number;
  events: DrillEvent[];
  outages: Outage[];
  /** Provider time after which nothing is sent any more and every recovery has run over the outages. */
  horizon: number;
}

export interface DrillPlanOptions {
  /** Where the providers' clock starts (default 2026-01-05 12:00 UTC). */
  start?: number;
  /** Entities per provider (default 4), each changed `versions` times (default 3). */
  entities?: number;
  versions?: number;
  /** Minutes of each outage (default 12): 503 first, then a throttled (429) one as long. */
  outageMinutes?: number;
}

/**
 * The drill's scenario from a seed: per provider, entities changed a few times between 10 and 80 minutes in, two
 * outages in between (the ingest down, then throttled), and a horizon late enough for every provider to have given
 * up or got through and for every recovery to have settled past the outages.
 *
 * @example
 * const plan = planDrill(seeded(7).fork('drill'), definitions, {});
 */
export function planDrill(rng: Rng, definitions: readonly ProviderDefinition[], opts: DrillPlanOptions): DrillPlan {
  const start = opts.start ?? Date.UTC(2026, 0, 5, 12, 0, 0);
  const outage = (opts.outageMinutes ?? 12) * MINUTE;
  const outages: Outage[] = [
    { status: 503, from: start + 20 * MINUTE, to: start + 20 * MINUTE + outage },
    { status: 429, from: start + 50 * MINUTE, to: start + 50 * MINUTE + outage },
  ];
  const events: DrillEvent[] = [];
  const ids = { hex: (n: number) => rng.hex(n), uuid: () => rng.uuid() };
  for (const provider of DRILL_PROVIDERS) {
    const definition = definitions.find((d) => d.name === provider)!;
    const samples = webhookSamples(definition)!;
    // Without recovery, each event is an entity of its own: a later version delivered cannot hide a lost one.
    const [entities, versions] = definition.recover
      ? [opts.entities ?? 4, opts.versions ?? 3]
      : [(opts.entities ?? 4) * (opts.versions ?? 3), 1];
    for (let i = 0; i < entities; i += 1) {
      const { type, key } = samples.entity(i);
      const seconds = new Set<number>();
      while (seconds.size < versions) seconds.add(rng.int(10 * 60, 80 * 60));
      for (const s of [...seconds].sort((a, b) => a - b)) {
        const version = start + s * 1000;
        // Trello's ids are ObjectIds: its actions list and page by them, so they carry their second.
        const eventId =
          provider === 'trello' ? `${objectIdAt(version).slice(0, 8)}${rng.hex(16)}` : samples.eventId(ids);
        events.push({ provider, eventId, type, key, version });
      }
    }
  }
  events.sort((a, b) => a.version - b.version);
  // Shopify's 4 hours of retries, and an hour of settling after the last run it needs: 6 hours of provider time.
  return { start, events, outages, horizon: start + 6 * 60 * MINUTE };
}
