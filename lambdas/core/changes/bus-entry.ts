import { IntegrationError } from '../errors';
import { changeDetailType, changeSource } from './names';
import type { ChangeDetail } from './schema';

/** One PutEvents entry, as the bus port takes it. */
export interface BusEntry {
  source: string;
  detailType: string;
  /** The detail as JSON text. */
  detail: string;
}

/** EventBridge's limit on one entry (source, detail-type, detail, resources and 14 bytes for the time), in bytes. */
export const MAX_ENTRY_BYTES = 256 * 1024;

/** How EventBridge sizes an entry: UTF-8 bytes of its strings plus 14 for the time. */
export const entryBytes = (e: BusEntry): number =>
  Buffer.byteLength(e.source) + Buffer.byteLength(e.detailType) + Buffer.byteLength(e.detail) + 14;

const entryOf = (d: ChangeDetail): BusEntry => ({
  source: changeSource(d.provider),
  detailType: changeDetailType(d.type, d.change),
  detail: JSON.stringify(d),
});

/** The records API path that serves a record (`GET /records/{provider}/{type}?key=`), for events that leave it out. */
export const recordPath = (d: Pick<ChangeDetail, 'provider' | 'type' | 'key'>): string =>
  `/records/${encodeURIComponent(d.provider)}/${encodeURIComponent(d.type)}?key=${encodeURIComponent(d.key)}`;

const bytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v) ?? '');

/** Leaves out whole things, biggest first, as many as the excess needs each round, until the entry fits. */
function shed(slim: ChangeDetail, limit: number, items: { bytes: number; drop(): void }[], entry: BusEntry): BusEntry {
  const queue = [...items].sort((a, b) => b.bytes - a.bytes);
  let out = entry;
  while (entryBytes(out) > limit && queue.length > 0) {
    let excess = entryBytes(out) - limit;
    while (excess > 0 && queue.length > 0) {
      const next = queue.shift()!;
      next.drop();
      excess -= next.bytes;
    }
    out = entryOf(slim);
  }
  return out;
}

/**
 * A change event as a bus entry within EventBridge's 256 KB: whole when it fits; else without the record's biggest
 * top-level fields (named in `omitted`, their changed values with them; `recordUrl` points at the whole record);
 * else also without the values of the biggest changed fields (their paths stay, marked `omitted`). Throws a
 * permanent error in the unlikely case that even the paths are too many.
 *
 * @example
 * const entry = busEntry(detectChange(previous, next)!);
 * entryBytes(entry) <= MAX_ENTRY_BYTES // true
 */
export function busEntry(detail: ChangeDetail, limit = MAX_ENTRY_BYTES): BusEntry {
  const whole = entryOf(detail);
  if (entryBytes(whole) <= limit) return whole;
  const record = { ...detail.record };
  const slim: ChangeDetail = {
    ...detail,
    record,
    changed: { ...detail.changed },
    omitted: [],
    recordUrl: recordPath(detail),
  };
  const under = (field: string) => Object.keys(slim.changed).filter((p) => p === field || p.startsWith(`${field}.`));
  const fields = Object.entries(record).map(([field, value]) => ({
    bytes: bytes(value) + under(field).reduce((n, p) => n + bytes(slim.changed[p]), 0),
    drop: () => {
      delete record[field];
      slim.omitted!.push(field);
      for (const p of under(field)) slim.changed[p] = { omitted: true };
    },
  }));
  let entry = shed(slim, limit, fields, entryOf(slim));
  const values = Object.keys(slim.changed)
    .filter((p) => !slim.changed[p]!.omitted)
    .map((p) => ({
      bytes: bytes(slim.changed[p]),
      drop: () => {
        slim.changed[p] = { omitted: true };
      },
    }));
  entry = shed(slim, limit, values, entry);
  if (entryBytes(entry) <= limit) return entry;
  throw new IntegrationError(
    'permanent',
    `change event for ${detail.provider} ${detail.type} ${detail.key} is over ${limit} bytes even without values`,
  );
}
