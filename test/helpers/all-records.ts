import type { StoredRecord, SyncRecordStore } from '../../lambdas/core/records';

/** Every record of one type, page after page by cursor, as a consumer of the records API reads them. */
export async function allRecords(store: SyncRecordStore, provider: string, type: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(provider, type, { limit: 1000, cursor });
    out.push(...page.records);
    cursor = page.next;
  } while (cursor);
  return out;
}
