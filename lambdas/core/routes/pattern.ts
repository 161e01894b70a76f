import { changeDetailType, changeSource } from '../changes/names';
import type { Route, Scalar, When } from './route';

type Pattern = { [key: string]: unknown };

/** The parts of `when` every match must satisfy: the top level, or each item of a top-level `all`. */
const required = (when: When | undefined): When[] => (!when ? [] : 'all' in when ? when.all : [when]);

/** `{ a: { b: [value] } }` for the path `a.b`: a value there, or (an array there) an item equal to it. */
const valueAtPath = (path: string, value: Scalar): Pattern =>
  path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, step) => ({ [step]: inner }), [value]) as Pattern;

/** Merges path patterns; a path two conditions both name is left to the function (a pattern would OR them). */
function merge(into: Pattern, add: Pattern): Pattern | undefined {
  const out: Pattern = { ...into };
  for (const [k, v] of Object.entries(add)) {
    const have = out[k];
    if (have === undefined) out[k] = v;
    else if (Array.isArray(have) || Array.isArray(v)) return undefined;
    else {
      const merged = merge(have as Pattern, v as Pattern);
      if (!merged) return undefined;
      out[k] = merged;
    }
  }
  return out;
}

/**
 * The EventBridge pattern of a route's rule: what a pattern can say of `when`, so the route's function is invoked
 * only for changes that may match. Source and detail-type (narrowed to `created` or `changed` when `when`
 * requires it), and the value a `becomes` field (or a scalar `added` item) holds now, in `detail.record` (or any
 * event that left the record out: `detail.recordUrl` exists). What a pattern cannot say, the function decides: that the
 * value was different before (a pattern matches one event's fields; it cannot compare a field with its old value, nor
 * say that an old array lacked an item).
 *
 * @example
 * routePattern(ROUTES[0]) // { source: ['integration.football'], 'detail-type': ['fixture.changed'], detail: { $or: [...] } }
 */
export function routePattern(route: Route): Pattern {
  const parts = required(route.on.when);
  const kinds = parts.flatMap((w) => ('change' in w ? [w.change] : []));
  const types = (kinds.length > 0 ? [...new Set(kinds)] : (['created', 'changed'] as const)).map((k) =>
    changeDetailType(route.on.type, k),
  );
  let record: Pattern | undefined = {};
  for (const w of parts) {
    if (!record) break;
    if ('becomes' in w) record = merge(record, valueAtPath(w.field, w.becomes));
    // Only a scalar item: EventBridge documents matching array values, not fields of objects inside arrays.
    else if ('added' in w && (w.added === null || typeof w.added !== 'object'))
      record = merge(record, valueAtPath(w.field, w.added));
  }
  const pattern: Pattern = { source: [changeSource(route.on.provider)], 'detail-type': types };
  if (record && Object.keys(record).length > 0)
    pattern.detail = { $or: [{ record }, { recordUrl: [{ exists: true }] }] };
  return pattern;
}
