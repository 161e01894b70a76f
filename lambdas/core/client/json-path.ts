/**
 * Reads a dot path (`paging.total`, `data`) from a parsed body; undefined when any step is missing.
 *
 * @example
 * at({ paging: { total: 5 } }, 'paging.total') // 5
 */
export function at(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  let cur: unknown = value;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
