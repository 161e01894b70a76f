import type { RecordPage, SyncRecordStore } from '../records';
import type { PollsRegistry } from '../provider';
import type { SyncStateStore } from './state';

export interface LastKnown {
  provider: string;
  type: string;
  /** When a poll of this type last completed a window (epoch ms): how fresh the whole set is. */
  lastSyncedAt: number | null;
  /** Pass as `cursor` for the next page; null on the last. */
  next: string | null;
  records: {
    key: string;
    data: Record<string, unknown>;
    fetchedAt: number | null;
    writtenAt: number;
    source: string | null;
  }[];
}

/**
 * The last known records of one type with their fetch times, straight from our records table: it
 * answers the same whether the provider is up or down (graceful degradation), and says how old it is.
 *
 * @example
 * const known = await lastKnown({ records, state, registry: getProvider }, { provider: 'football', type: 'fixture', key: '1035037#2024-08-16' });
 * const page = await lastKnown(deps, { provider: 'football', type: 'fixture', limit: 100, cursor: known.next ?? undefined });
 */
export async function lastKnown(
  deps: { records: SyncRecordStore; state: SyncStateStore; registry: PollsRegistry },
  q: { provider: string; type: string; key?: string; limit?: number; cursor?: string },
): Promise<LastKnown> {
  const page: RecordPage = q.key
    ? { records: [await deps.records.get(q.provider, q.type, q.key)].filter((r) => r !== undefined) }
    : await deps.records.list(q.provider, q.type, { limit: q.limit ?? 100, cursor: q.cursor });
  const polls = deps.registry(q.provider)?.polls?.filter((p) => p.type === q.type) ?? [];
  const synced = await Promise.all(
    polls.map(async (p) => (await deps.state.getCheckpoint(q.provider, p.name))?.lastSyncedAt),
  );
  const times = synced.filter((t): t is number => typeof t === 'number');
  return {
    provider: q.provider,
    type: q.type,
    lastSyncedAt: times.length > 0 ? Math.max(...times) : null,
    next: page.next ?? null,
    records: page.records.map((r) => ({
      key: r.key,
      data: r.data,
      fetchedAt: r.fetchedAt ?? r.receivedAt ?? null,
      writtenAt: r.writtenAt,
      source: r.source ?? (r.eventId ? 'webhook' : null),
    })),
  };
}
