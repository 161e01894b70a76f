import { stringify } from 'safe-stable-stringify';
import type { FieldChange } from './schema';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

// Canonical JSON (keys sorted): two values are the same content whatever order their keys came in.
const same = (a: unknown, b: unknown): boolean => stringify(a) === stringify(b);

/**
 * The fields that differ between two records, by dot path: objects are compared field by field, anything else
 * (strings, numbers, arrays) as a whole. A field that appears has no `from`; one that goes has no `to`.
 *
 * @example
 * changedFields({ fixture: { status: { short: '2H' } } }, { fixture: { status: { short: 'FT' } } })
 * // { 'fixture.status.short': { from: '2H', to: 'FT' } }
 */
export function changedFields(before: Json, after: Json, prefix = ''): Record<string, FieldChange> {
  const out: Record<string, FieldChange> = {};
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const path = prefix ? `${prefix}.${name}` : name;
    const [from, to] = [before[name], after[name]];
    if (isObject(from) && isObject(to)) Object.assign(out, changedFields(from, to, path));
    else if (!same(from, to))
      out[path] = { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
  }
  return out;
}

/**
 * The value at a dot path of a record; undefined when any step is missing.
 *
 * @example
 * valueAt({ fixture: { status: { short: 'FT' } } }, 'fixture.status.short') // 'FT'
 */
export function valueAt(record: unknown, path: string): unknown {
  let here: unknown = record;
  for (const step of path.split('.')) {
    if (!isObject(here)) return undefined;
    here = here[step];
  }
  return here;
}

/** Whether two JSON values are the same content (keys in any order). */
export const sameContent = same;
