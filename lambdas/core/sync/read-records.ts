import type { SyncRecordStore } from '../records';
import type { Registry } from '../provider';
import type { SyncStateStore } from './state';

export interface LastKnown {
  provider: string;
  type: string;
  /** When a poll of this type last completed a window (epoch ms): how fresh the whole set is. */
  lastSyncedAt: number | null;
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
 */
export async function lastKnown(
  deps: { records: SyncRecordStore; state: SyncStateStore; registry: Registry },
  q: { provider: string; type: string; key?: string; limit?: number },
): Promise<LastKnown> {
  const found = q.key
    ? [await deps.records.get(q.provider, q.type, q.key)].filter((r) => r !== undefined)
    : await deps.records.list(q.provider, q.type, { limit: q.limit ?? 100 });
  const polls = deps.registry(q.provider)?.polls?.filter((p) => p.type === q.type) ?? [];
  const synced = await Promise.all(
    polls.map(async (p) => (await deps.state.getCheckpoint(q.provider, p.name))?.lastSyncedAt),
  );
  const times = synced.filter((t): t is number => typeof t === 'number');
  return {
    provider: q.provider,
    type: q.type,
    lastSyncedAt: times.length > 0 ? Math.max(...times) : null,
    records: found.map((r) => ({
      key: r.key,
      data: r.data,
      fetchedAt: r.fetchedAt ?? r.receivedAt ?? null,
      writtenAt: r.writtenAt,
      source: r.source ?? (r.eventId ? 'webhook' : null),
    })),
  };
}
