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

/**
 * A change event as a bus entry within EventBridge's 256 KB: whole when it fits; else without `record` (the
 * records API path in `recordUrl` instead); else also without the values of the biggest changed fields (their
 * paths stay, marked `omitted`). Throws a permanent error in the unlikely case that even the paths are too many.
 *
 * @example
 * const entry = busEntry(detectChange(previous, next)!);
 * entryBytes(entry) <= MAX_ENTRY_BYTES // true
 */
export function busEntry(detail: ChangeDetail, limit = MAX_ENTRY_BYTES): BusEntry {
  const whole = entryOf(detail);
  if (entryBytes(whole) <= limit) return whole;
  const { record: _left, ...rest } = detail;
  const slim: ChangeDetail = { ...rest, recordUrl: recordPath(detail), changed: { ...detail.changed } };
  let entry = entryOf(slim);
  // Biggest values first, as many as the excess needs, then measure again.
  const bySize = Object.entries(slim.changed)
    .map(([path, c]) => ({ path, bytes: Buffer.byteLength(JSON.stringify(c)) }))
    .sort((a, b) => b.bytes - a.bytes);
  while (entryBytes(entry) > limit && bySize.length > 0) {
    let excess = entryBytes(entry) - limit;
    while (excess > 0 && bySize.length > 0) {
      const next = bySize.shift()!;
      slim.changed[next.path] = { omitted: true };
      excess -= next.bytes;
    }
    entry = entryOf(slim);
  }
  if (entryBytes(entry) <= limit) return entry;
  throw new IntegrationError(
    'permanent',
    `change event for ${detail.provider} ${detail.type} ${detail.key} is over ${limit} bytes even without values`,
  );
}
