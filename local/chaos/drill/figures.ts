import type { RecordStore } from '../../../lambdas/core/records';
import type { Attempt } from '../../simulators/sender';
import { type DrillEvent, type DrillProvider, DRILL_PROVIDERS } from './plan';
import type { DrillSenders } from './senders';

/**
 * What became of one provider's events in the drill, each event counted once:
 * - `sent`: events the provider emitted;
 * - `delivered`: answered 2xx to one of the provider's own attempts (its first or a retry on its schedule);
 * - `recovered`: not delivered, but applied through recovery: queued by a recovery and processed (Stripe, Trello,
 *   Shopify), or redelivered on a recovery's request and answered 2xx (GitHub);
 * - `superseded`: neither, but a later version of its entity is in the records (Shopify's reconcile sees only the
 *   latest state of an order, so an earlier version it never shows is superseded, not lost);
 * - `lost`: none of these: what the stack never got and never will;
 * - `duplicated`: events the processor wrote more than once (under their own id or their recovered one);
 * - `stale`: entities whose record is older than the newest version that was delivered or recovered.
 */
export interface DrillFigures {
  sent: number;
  delivered: number;
  recovered: number;
  superseded: number;
  lost: number;
  duplicated: number;
  stale: number;
}

/** Whether a provider can be asked for what it could not deliver (the drill requires no loss of those). */
export const HAS_RECOVERY: Record<DrillProvider, boolean> = {
  stripe: true,
  github: true,
  trello: true,
  shopify: true,
  slack: false,
  standard: false,
};

interface ProcessedLine {
  event_id?: string;
  written?: number;
  recovered?: string;
}

/** The id the provider's sender attempts carry: Shopify's event id is `<shop>/<topic>/<id>`, its delivery's `<id>`. */
const deliveryId = (e: DrillEvent): string =>
  e.provider === 'shopify' ? e.eventId.slice(e.eventId.lastIndexOf('/') + 1) : e.eventId;

/** The ids an event may be processed under: its own, and Shopify's reconcile id for the same version. */
function aliases(e: DrillEvent): string[] {
  if (e.provider !== 'shopify') return [e.eventId];
  const id = e.key.slice(e.key.lastIndexOf('/') + 1);
  return [e.eventId, `recovered:orders/${id}@${new Date(e.version).toISOString()}`];
}

/** Per event id: how often the processor processed it, wrote with it, and whether a recovery brought it. */
function processorLog(lines: string[]) {
  const writes = new Map<string, number>();
  const recovered = new Set<string>();
  for (const line of lines) {
    if (!line.includes('"event processed"')) continue;
    const e = JSON.parse(line) as ProcessedLine & { message?: string };
    if (e.message !== 'event processed' || !e.event_id) continue;
    if ((e.written ?? 0) > 0) writes.set(e.event_id, (writes.get(e.event_id) ?? 0) + 1);
    if (e.recovered) recovered.add(e.event_id);
  }
  return { writes, recovered };
}

/** One provider's figures from its sender's attempts, the processor's log lines and the records table. */
async function figuresOf(
  provider: DrillProvider,
  events: DrillEvent[],
  attempts: readonly Attempt[],
  log: ReturnType<typeof processorLog>,
  records: RecordStore,
): Promise<DrillFigures> {
  const own = new Set(attempts.filter((a) => a.ok && !a.redelivery).map((a) => a.id));
  const redelivered = new Set(attempts.filter((a) => a.ok && a.redelivery).map((a) => a.id));
  const f: DrillFigures = {
    sent: events.length,
    delivered: 0,
    recovered: 0,
    superseded: 0,
    lost: 0,
    duplicated: 0,
    stale: 0,
  };
  const accepted = new Map<string, number>();
  const stored = new Map<string, number>();
  for (const e of events) {
    const entity = `${e.type}#${e.key}`;
    if (!stored.has(entity)) stored.set(entity, (await records.get(provider, e.type, e.key))?.version ?? -1);
    const writes = aliases(e).reduce((n, id) => n + (log.writes.get(id) ?? 0), 0);
    if (writes > 1) f.duplicated += 1;
    const recovered = redelivered.has(e.eventId) || aliases(e).some((id) => log.recovered.has(id));
    if (own.has(deliveryId(e))) f.delivered += 1;
    else if (recovered) f.recovered += 1;
    else if (stored.get(entity)! >= e.version) f.superseded += 1;
    else f.lost += 1;
    if (own.has(deliveryId(e)) || recovered) accepted.set(entity, Math.max(accepted.get(entity) ?? -1, e.version));
  }
  for (const [entity, newest] of accepted) if (stored.get(entity)! < newest) f.stale += 1;
  return f;
}

/**
 * The drill's figures per provider (see DrillFigures).
 *
 * @example
 * const figures = await drillFigures(plan.events, senders, logLines, stack.records);
 */
export async function drillFigures(
  events: DrillEvent[],
  senders: DrillSenders,
  logLines: string[],
  records: RecordStore,
): Promise<Record<DrillProvider, DrillFigures>> {
  const log = processorLog(logLines);
  const out = {} as Record<DrillProvider, DrillFigures>;
  for (const provider of DRILL_PROVIDERS) {
    const mine = events.filter((e) => e.provider === provider);
    out[provider] = await figuresOf(provider, mine, senders[provider].attempts, log, records);
  }
  return out;
}

/**
 * The drill passes when no provider with a recovery API lost an event, and no provider duplicated one or left a
 * record staler than what it accepted; the others' loss is reported, not failed.
 *
 * @example
 * drillPassed(figures) // true
 */
export function drillPassed(figures: Record<DrillProvider, DrillFigures>): boolean {
  return DRILL_PROVIDERS.every((p) => {
    const f = figures[p];
    return f.duplicated === 0 && f.stale === 0 && (!HAS_RECOVERY[p] || f.lost === 0);
  });
}

/**
 * The figures as a table, one row per provider.
 *
 * @example
 * console.log(drillTable(figures));
 */
export function drillTable(figures: Record<DrillProvider, DrillFigures>): string {
  const cols = ['provider', 'recovery', 'sent', 'delivered', 'recovered', 'superseded', 'lost', 'duplicated', 'stale'];
  const rows = DRILL_PROVIDERS.map((p) => {
    const f = figures[p];
    return [
      p,
      HAS_RECOVERY[p] ? 'yes' : 'none',
      f.sent,
      f.delivered,
      f.recovered,
      f.superseded,
      f.lost,
      f.duplicated,
      f.stale,
    ];
  });
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) => cells.map((c, i) => String(c).padEnd(widths[i]!)).join('  ');
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
