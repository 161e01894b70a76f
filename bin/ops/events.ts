import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import { type ArchiveEntry, readArchiveCopies } from '../../lambdas/core/archive';
import { claimedBody } from '../../lambdas/core/claim-check';
import { ATTR, toQueueMessage, toWebhookEvent } from '../../lambdas/core/event-message';
import {
  type ArchivedEvent,
  archivedEvents,
  type EventOutcome,
  eventOutcome,
  type RecordSeen,
} from '../../lambdas/core/event-history';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { batches } from '../../lambdas/core/replay';
import { positiveInt, UsageError } from '../cli/main';
import type { OpsTarget } from './target';
import type { OpsContext, OpsVerb } from './verb';

const DAY_MS = 86_400_000;

/** The archive range a verb searches: `--from`/`--to`, else the last day (`--days N` for more). */
export function searchRange(ctx: OpsContext, now: number): { from: Date; to: Date } {
  const parse = (flag: 'from' | 'to'): Date | undefined => {
    const v = ctx.option(flag);
    if (v === undefined) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime()))
      throw new UsageError(`--${flag} needs an ISO date, e.g. --${flag} 2024-05-01T00:00:00Z`);
    return d;
  };
  const to = parse('to') ?? new Date(now + 1);
  const from = parse('from') ?? new Date(to.getTime() - positiveInt('days', ctx.option('days') ?? '1', 7) * DAY_MS);
  if (!(from.getTime() < to.getTime())) throw new UsageError('--from must be before --to');
  return { from, to };
}

/** Archived copies in the range, grouped into events, filtered by id and type. */
async function findEvents(
  target: OpsTarget,
  provider: string,
  filter: { from: Date; to: Date; id?: string; type?: string },
): Promise<{ events: ArchivedEvent[]; copies: ArchiveEntry[] }> {
  const copies = (await readArchiveCopies(target.blobs, provider, filter.from, filter.to)).filter(
    (c) => !filter.id || c.eventId === filter.id,
  );
  const events = archivedEvents(copies).filter(
    (e) => !filter.type || e.type === filter.type || e.type?.startsWith(`${filter.type}.`),
  );
  return { events, copies };
}

const FILTER_OPTIONS = {
  id: { type: 'string' },
  type: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  days: { type: 'string' },
} as const;

export interface EventsResult {
  where: string;
  provider: string;
  from: string;
  to: string;
  events: ArchivedEvent[];
}

export const eventsVerb: OpsVerb = {
  synopsis: 'events <provider> [--id ID] [--type T] [--from ISO --to ISO]',
  summary: 'find accepted events in the archive (default: the last day; --days N up to 7)',
  options: FILTER_OPTIONS,
  run: async (ctx) => {
    const provider = ctx.provider(ctx.args[0]).name;
    const range = searchRange(ctx, Date.now());
    const target = await ctx.target();
    const { events } = await findEvents(target, provider, { ...range, id: ctx.option('id'), type: ctx.option('type') });
    const result: EventsResult = {
      where: target.where,
      provider,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      events,
    };
    ctx.print(result, (r) =>
      [
        ...r.events.map(
          (e) =>
            `${new Date(e.receivedAt).toISOString()}  ${e.eventId}  ${e.type ?? '?'}  deliveries=${e.deliveries} receives=${e.receives}`,
        ),
        `${r.events.length} event(s) of ${r.provider} received ${r.from} .. ${r.to} on ${r.where}`,
      ].join('\n'),
    );
    return 0;
  },
};

export interface EventRecord extends RecordSeen {
  type: string;
  key: string;
  storedEventId?: string;
}

/** The records the event maps to (the provider's mapping, run again here) and what the table holds for each. */
async function recordsOf(target: OpsTarget, def: ProviderDefinition, entry: ArchiveEntry): Promise<EventRecord[]> {
  const rawBody = await claimedBody(
    entry.body ?? '',
    entry.bodyRef ? { [ATTR.bodyRef]: entry.bodyRef } : {},
    target.blobs,
  );
  let changes: ReturnType<NonNullable<ProviderDefinition['webhook']>['map']>;
  try {
    changes = def.webhook!.map(toWebhookEvent({ ...entry, rawBody }));
  } catch {
    return [];
  }
  const { doc, name } = target.tables();
  const records = new DynamoRecordStore(doc, name('records'));
  return Promise.all(
    changes.map(async (c) => {
      const stored = await records.get(def.name, c.type, c.key);
      const mine = stored?.eventId === entry.eventId;
      return {
        type: c.type,
        key: c.key,
        version: c.version,
        stored: !stored ? 'missing' : mine ? 'this event' : 'another event',
        ...(stored && !mine ? { storedEventId: stored.eventId, storedVersion: stored.version } : {}),
      } satisfies EventRecord;
    }),
  );
}

export interface EventDetail {
  where: string;
  provider: string;
  event: ArchivedEvent;
  headers: Record<string, string>;
  /** The raw body, or where a claim-checked one lives. */
  body?: string;
  bodyRef?: string;
  /** Each receive the processor archived: receipt time and trace id. */
  receives: { receivedAt: string; traceId: string }[];
  outcome: EventOutcome;
  records: EventRecord[];
}

/**
 * `ops event <provider> <id>`: one event's raw payload and kept headers (archive), its receives, its outcome
 * (DLQ message, else the records it maps to) and those records, all from data already written.
 *
 * @example
 * const d = await eventDetail(target, github, 'd1', { from, to });
 */
export async function eventDetail(
  target: OpsTarget,
  def: ProviderDefinition,
  id: string,
  range: { from: Date; to: Date },
): Promise<EventDetail | undefined> {
  const found = await findEvents(target, def.name, { ...range, id: id === 'latest' ? undefined : id });
  const event = id === 'latest' ? found.events.at(-1) : found.events[0];
  const copies = found.copies.filter((c) => c.eventId === event?.eventId);
  const first = copies[0];
  if (!event || !first) return undefined;
  const dlq = await target.listDlq({ provider: def.name, kind: 'webhooks' }, 1000);
  const deadLetter = dlq.messages.find((m) => m.attributes[ATTR.eventId] === event.eventId);
  const records = await recordsOf(target, def, first);
  const outcome = eventOutcome({ deadLetter, records });
  return {
    where: target.where,
    provider: def.name,
    event,
    headers: first.headers,
    body: first.body,
    bodyRef: first.bodyRef,
    receives: copies.map((c) => ({ receivedAt: new Date(c.receivedAt).toISOString(), traceId: c.traceId })),
    outcome,
    records,
  };
}

function outcomeText(o: EventOutcome): string {
  if (o.status === 'dead-lettered')
    return `dead-lettered: ${o.kind ?? '?'} after ${o.attempts ?? '?'} attempt(s): ${o.reason ?? '(no reason)'}`;
  if (o.status === 'unknown') return `unknown: ${o.note}`;
  return `${o.status} (written ${o.written}, stale ${o.stale}, duplicate ${o.duplicate})`;
}

export function eventText(d: EventDetail): string {
  const e = d.event;
  return [
    `${d.provider} event ${e.eventId} (${e.type ?? 'type unknown'}) on ${d.where}`,
    `outcome: ${outcomeText(d.outcome)}`,
    `delivered ${e.deliveries} time(s), received ${e.receives} time(s) by the processor${e.deliveries > 1 ? ' (later deliveries find their version stored and write nothing)' : ''}:`,
    ...d.receives.map((r) => `  ${r.receivedAt}  trace ${r.traceId}`),
    'records:',
    ...d.records.map(
      (r) =>
        `  ${r.type} ${r.key} version ${r.version}: ${r.stored}${r.storedEventId ? ` (${r.storedEventId}, version ${r.storedVersion})` : ''}`,
    ),
    'headers kept:',
    ...Object.entries(d.headers).map(([k, v]) => `  ${k}: ${v}`),
    d.bodyRef ? `body: in the blob store at ${d.bodyRef}` : `body: ${d.body ?? ''}`,
  ].join('\n');
}

export const eventVerb: OpsVerb = {
  synopsis: 'event <provider> <id|latest>',
  summary: 'one event: raw payload, headers kept, receives, outcome, the records it wrote (--from/--to or --days)',
  options: { from: FILTER_OPTIONS.from, to: FILTER_OPTIONS.to, days: FILTER_OPTIONS.days },
  run: async (ctx) => {
    const def = ctx.provider(ctx.args[0], 'a provider with webhooks');
    const id = ctx.args[1];
    if (!id) throw new UsageError('missing the event id (ops events lists them)');
    if (!def.webhook) throw new UsageError(`${def.name} receives no webhooks`);
    const range = searchRange(ctx, Date.now());
    const detail = await eventDetail(await ctx.target(), def, id, range);
    if (!detail) {
      ctx.io.stderr.write(
        `no archived ${def.name} event ${id} received ${range.from.toISOString()} .. ${range.to.toISOString()}\n`,
      );
      return 1;
    }
    ctx.print(detail, eventText);
    return 0;
  },
};

export interface RetryResult {
  where: string;
  provider: string;
  found: number;
  enqueued: number;
  /** The marker the copies carry, so the processor does not archive them again. */
  replayId: string;
  dryRun: boolean;
  eventIds: string[];
}

/**
 * `ops retry <provider> [id]`: re-enqueues archived events on the provider's queue through the normal path, marked as a
 * replay. The processor writes a record only if its version is newer than the stored one, so a retried event fills
 * what is missing or older and never doubles or rolls back what is there.
 *
 * @example
 * await retry(target, 'github', { from, to, id: 'd1' }, { now: new Date() });
 */
export async function retry(
  target: OpsTarget,
  provider: string,
  filter: { from: Date; to: Date; id?: string; type?: string },
  opts: { dryRun?: boolean; now: Date },
): Promise<RetryResult> {
  const { events, copies } = await findEvents(target, provider, filter);
  const ids = new Set(events.map((e) => e.eventId));
  const firsts = [...new Map(copies.filter((c) => ids.has(c.eventId)).map((c) => [c.eventId, c])).values()];
  const replayId = `retry-${opts.now.toISOString()}`;
  const messages = firsts.map((e) =>
    toQueueMessage({ ...e, rawBody: e.body ?? e.bodyRef ?? '', bodyRef: e.bodyRef, replay: replayId }),
  );
  let enqueued = 0;
  if (!opts.dryRun)
    for (const chunk of batches(messages)) {
      await target.enqueue(provider, chunk);
      enqueued += chunk.length;
    }
  const base = { where: target.where, provider, found: messages.length, enqueued, dryRun: Boolean(opts.dryRun) };
  return { ...base, replayId, eventIds: firsts.map((e) => e.eventId) };
}

export const retryVerb: OpsVerb = {
  synopsis: 'retry <provider> [id] [--type T] [--from ISO --to ISO]',
  summary: 'send archived events through the queue again (records are written only if newer; --dry-run)',
  options: {
    ...FILTER_OPTIONS,
    'dry-run': { type: 'boolean', default: false },
  },
  run: async (ctx) => {
    const def = ctx.provider(ctx.args[0], 'a provider with webhooks');
    if (!def.webhook) throw new UsageError(`${def.name} receives no webhooks`);
    const id = ctx.args[1] ?? ctx.option('id');
    const type = ctx.option('type');
    const now = new Date();
    const filter = { ...searchRange(ctx, now.getTime()), id, type };
    if (!id && !type && !ctx.option('from')) throw new UsageError('retry needs an event id, --type or --from/--to');
    const r = await retry(await ctx.target(), def.name, filter, {
      dryRun: ctx.flag('dry-run'),
      now,
    });
    ctx.print(
      r,
      (x) =>
        `${x.dryRun ? `would send ${x.found}` : `sent ${x.enqueued} of ${x.found}`} archived ${x.provider} event(s) through the queue again (replay id ${x.replayId}; records are written only if newer) on ${x.where}`,
    );
    return r.found === 0 && id ? 1 : 0;
  },
};
