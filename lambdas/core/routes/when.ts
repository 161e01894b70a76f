import { sameContent, valueAt } from '../changes/diff';
import type { ChangeDetail } from '../changes/schema';
import type { Scalar, When } from './route';

/** One change as `when` reads it: the kind, and any field's value before and after. */
export interface ChangeView {
  change: ChangeDetail['change'];
  before(path: string): unknown;
  after(path: string): unknown;
}

type Json = Record<string, unknown>;

/** A copy of `record` with the value at a dot path set (objects made along the way), or removed when undefined. */
function withValue(record: Json, path: string, value: unknown): Json {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  const copy = { ...record };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const inner = copy[head];
  copy[head] = withValue(
    typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? (inner as Json) : {},
    rest.join('.'),
    value,
  );
  return copy;
}

/**
 * The record with every changed field set to its `from` (or `to`) side; fields whose values were left out stay unknown.
 */
const rebuilt = (base: Json, changed: ChangeDetail['changed'], side: 'from' | 'to'): Json =>
  Object.entries(changed).reduce((r, [path, c]) => withValue(r, path, c.omitted ? undefined : c[side]), base);

/**
 * A change event as a view: `after` is the record (the event's, or the one read for it when the event left it
 * out; without either, only the changed fields are known), `before` the same with every changed field put back
 * to its old value. A created record had nothing before.
 *
 * @example
 * const view = changeView(detail, detail.record);
 * view.before('fixture.status.short') // '2H'
 */
export function changeView(detail: ChangeDetail, record: Json | undefined): ChangeView {
  const after = record ?? rebuilt({}, detail.changed, 'to');
  let before: Json | undefined;
  return {
    change: detail.change,
    after: (path) => valueAt(after, path),
    before: (path) => {
      if (detail.change === 'created') return undefined;
      before ??= rebuilt(record ?? {}, detail.changed, 'from');
      return valueAt(before, path);
    },
  };
}

/** An item of an array matches `want`: equal, or (an object) holding each of its fields. */
function itemMatches(item: unknown, want: Scalar | Record<string, Scalar>): boolean {
  if (want === null || typeof want !== 'object') return sameContent(item, want);
  if (item === null || typeof item !== 'object') return false;
  return Object.entries(want).every(([k, v]) => sameContent((item as Record<string, unknown>)[k], v));
}

const holds = (list: unknown, want: Scalar | Record<string, Scalar>): boolean =>
  Array.isArray(list) && list.some((item) => itemMatches(item, want));

/**
 * Whether a change satisfies a route's `when`.
 *
 * @example
 * matches({ field: 'fixture.status.short', becomes: 'FT' }, view) // true when it was 2H and is FT now
 */
export function matches(when: When, view: ChangeView): boolean {
  if ('all' in when) return when.all.every((w) => matches(w, view));
  if ('any' in when) return when.any.some((w) => matches(w, view));
  if ('change' in when) return view.change === when.change;
  if ('becomes' in when)
    return sameContent(view.after(when.field), when.becomes) && !sameContent(view.before(when.field), when.becomes);
  return holds(view.after(when.field), when.added) && !holds(view.before(when.field), when.added);
}

/**
 * Every field a `when` reads (synth-time checks use it).
 *
 * @example
 * whenFields({ all: [{ change: 'changed' }, { field: 'a.b', becomes: 1 }] }) // ['a.b']
 */
export function whenFields(when: When | undefined): string[] {
  if (!when) return [];
  if ('all' in when) return when.all.flatMap(whenFields);
  if ('any' in when) return when.any.flatMap(whenFields);
  return 'field' in when ? [when.field] : [];
}
