import * as z from 'zod/mini';
import { emitMetric, METRIC } from './metrics';
import type { Telemetry } from './ports';

/**
 * Schema drift: a record that passes validation but carries what its schema does not know.
 *
 * The rule, applied by walking the zod schema next to the raw value:
 * - `unknown_field`: a key at a `z.object` level (which claims to list that level's fields and silently
 *   drops the others) that its shape does not declare. `z.looseObject` levels (declared open: "a few
 *   fields of a bigger payload", as the webhook schemas are) and typed catchalls report none; a
 *   `z.strictObject` would already have failed. Only the first unknown key is reported, never its subtree.
 * - `unknown_enum_value`: a value outside an enum's (or literals') listed values that still passed: an
 *   open enum (`openEnum([...])`, i.e. enum-or-string) or a `z.catch` around an enum.
 * Paths are dot-joined keys, `[]` for array elements (`events[].detail`); each record reports a field once.
 */
export type DriftKind = 'unknown_field' | 'unknown_enum_value';
export type ValueType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

export interface DriftFinding {
  /** Where, e.g. `fixture.status.short` (never the value). */
  field: string;
  kind: DriftKind;
  /** The JSON type of the value seen there: enough to plan the schema change, never the data. */
  valueType: ValueType;
}

export interface DriftCount extends DriftFinding {
  /** Records (or events) that carried it. */
  records: number;
}

/** Distinct fields reported per run (metric dimension values); the rest are counted under OTHER_FIELDS. */
export const MAX_DRIFT_FIELDS = 20;
export const OTHER_FIELDS = '(other)';
const MAX_KEY = 64;
const MAX_FIELD = 160;
const MAX_DEPTH = 32;

/**
 * A string field whose documented values are listed: any string passes validation, an unlisted one is
 * reported as drift (a provider's new status code shows up before a mapping trips over it).
 *
 * @example
 * const status = z.object({ short: openEnum(['NS', '1H', 'HT', '2H', 'FT']) });
 */
export function openEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.union([z.enum(values), z.string()]);
}

interface Def {
  type: string;
  [key: string]: unknown;
}
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

/**
 * The JSON type of a value: what a drift finding says of it instead of the value.
 *
 * @example
 * valueType([1]) // 'array'
 */
export const valueType = (v: unknown): ValueType =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : typeof v === 'object'
        ? 'object'
        : typeof v === 'number' || typeof v === 'bigint'
          ? 'number'
          : typeof v === 'boolean'
            ? 'boolean'
            : 'string';
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (path: string, key: string): string => (path ? `${path}.${key.slice(0, MAX_KEY)}` : key.slice(0, MAX_KEY));
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'success']);

/** The listed values of an enum or literal schema (through wrappers), or undefined. */
function listedValues(schema: unknown): unknown[] | undefined {
  let def = defOf(schema);
  while (WRAPPERS.has(def.type)) def = defOf(def.innerType);
  if (def.type === 'enum') return Object.values(def.entries as Record<string, unknown>);
  if (def.type === 'literal') return def.values as unknown[];
  return undefined;
}

const unionValues = new WeakMap<object, Set<unknown>>();
/** Every value the enum and literal options of a union list (cached per schema: a union is walked per record). */
function unionListed(schema: unknown, options: readonly unknown[]): Set<unknown> {
  let set = unionValues.get(schema as object);
  if (!set) {
    set = new Set(options.flatMap((o) => listedValues(o) ?? []));
    unionValues.set(schema as object, set);
  }
  return set;
}

// zod reports unknown keys only for strict objects and has no walker for "passed, but carried more";
// this reads the schema's own definition (`_zod.def`: shape, catchall, entries, options) alongside the value.
function report(out: Map<string, DriftFinding>, field: string, kind: DriftKind, v: unknown): void {
  const f = field.slice(0, MAX_FIELD) || '(root)';
  if (!out.has(f)) out.set(f, { field: f, kind, valueType: valueType(v) });
}

type Found = Map<string, DriftFinding>;

function walkUnion(schema: unknown, def: Def, value: unknown, path: string, out: Found, depth: number): void {
  const options = def.options as z.ZodMiniType[];
  const listed = unionListed(schema, options);
  // An open enum: a listed-values option next to a catch-all one, and the value only passed the catch-all.
  if (listed.size > 0 && (typeof value === 'string' || typeof value === 'number')) {
    if (!listed.has(value) && options.some((o) => z.safeParse(o, value).success))
      report(out, path, 'unknown_enum_value', value);
    return;
  }
  const accepting = options.find((o) => z.safeParse(o, value).success);
  if (accepting) walk(accepting, value, path, out, depth + 1);
}

function walkObject(def: Def, value: unknown, path: string, out: Found, depth: number): void {
  if (!isPlainObject(value)) return;
  const shape = def.shape as Record<string, unknown>;
  const catchall = def.catchall === undefined ? undefined : defOf(def.catchall).type;
  for (const [key, v] of Object.entries(value)) {
    const field = join(path, key);
    if (Object.hasOwn(shape, key)) walk(shape[key], v, field, out, depth + 1);
    else if (catchall === undefined) report(out, field, 'unknown_field', v);
    else if (catchall !== 'unknown' && catchall !== 'any' && catchall !== 'never')
      walk(def.catchall, v, field, out, depth + 1);
  }
}

function walk(schema: unknown, value: unknown, path: string, out: Found, depth: number): void {
  if (depth > MAX_DEPTH || value === undefined) return;
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
      if (value !== null) walk(def.innerType, value, path, out, depth + 1);
      return;
    case 'catch': {
      const listed = listedValues(def.innerType);
      if (listed && !listed.includes(value)) report(out, path, 'unknown_enum_value', value);
      else if (z.safeParse(def.innerType as z.ZodMiniType, value).success)
        walk(def.innerType, value, path, out, depth + 1);
      return;
    }
    case 'pipe':
      walk(def.in, value, path, out, depth + 1);
      return;
    case 'lazy':
      walk((def.getter as () => unknown)(), value, path, out, depth + 1);
      return;
    case 'enum':
    case 'literal':
      if (!listedValues(schema)!.includes(value)) report(out, path, 'unknown_enum_value', value);
      return;
    case 'union':
      walkUnion(schema, def, value, path, out, depth);
      return;
    case 'object':
      walkObject(def, value, path, out, depth);
      return;
    case 'array':
      if (Array.isArray(value)) for (const item of value) walk(def.element, item, `${path}[]`, out, depth + 1);
      return;
    case 'tuple': {
      if (!Array.isArray(value)) return;
      const items = def.items as unknown[];
      for (let i = 0; i < value.length; i += 1) {
        const s = i < items.length ? items[i] : def.rest;
        if (s) walk(s, value[i], `${path}[]`, out, depth + 1);
      }
      return;
    }
    case 'record':
      if (isPlainObject(value))
        for (const v of Object.values(value)) walk(def.valueType, v, `${path}.*`.replace(/^\./, ''), out, depth + 1);
      return;
    default:
      // Primitives, intersections (each side would call the other's keys unknown), custom types: nothing to say.
      return;
  }
}

/**
 * What `value` (which passed `schema`) carries that the schema does not know: unknown fields at
 * `z.object` levels and unlisted enum values, each field once, under `prefix` if given.
 *
 * @example
 * findDrift(fixtureSchema, raw) // [{ field: 'fixture.attendance', kind: 'unknown_field', valueType: 'number' }]
 */
export function findDrift(schema: z.ZodMiniType, value: unknown, prefix = ''): DriftFinding[] {
  const out = new Map<string, DriftFinding>();
  walk(schema, value, prefix, out, 0);
  return [...out.values()];
}

/**
 * Counts drift over a run: records per field, at most `maxFields` distinct fields (the rest under
 * OTHER_FIELDS), so the `field` metric dimension stays bounded whatever a provider sends.
 *
 * @example
 * const tally = new DriftTally();
 * for (const raw of page) tally.add(findDrift(schema, raw));
 * reportDrift(telemetry, tally.counts(), { provider: 'football', operation: 'fixtures' }, { trace_id });
 */
export class DriftTally {
  private readonly fields = new Map<string, DriftCount>();

  constructor(private readonly maxFields = MAX_DRIFT_FIELDS) {}

  /** The findings of one record. */
  add(findings: readonly DriftFinding[], records = 1): void {
    for (const f of findings) this.count(f, records);
  }

  /** Another tally's counts (a page's, into the run's). */
  merge(counts: readonly DriftCount[]): void {
    for (const c of counts) this.count(c, c.records);
  }

  counts(): DriftCount[] {
    return [...this.fields.values()].map((c) => ({ ...c }));
  }

  get size(): number {
    return this.fields.size;
  }

  private count(f: DriftFinding, records: number): void {
    let key = f.field;
    if (!this.fields.has(key) && this.fields.size >= this.maxFields) key = OTHER_FIELDS;
    const c = this.fields.get(key);
    if (c) c.records += records;
    else
      this.fields.set(
        key,
        key === OTHER_FIELDS
          ? { field: OTHER_FIELDS, kind: f.kind, valueType: f.valueType, records }
          : { field: f.field, kind: f.kind, valueType: f.valueType, records },
      );
  }
}

/**
 * Emits `SchemaDrift` per field (dimensions provider, operation, field; value: records that carried it)
 * and one warn line per field naming it, its kind and the value's JSON type, never the value.
 * `logField` decides which fields get their line (default all: once per run).
 *
 * @example
 * reportDrift(telemetry, tally.counts(), { provider: 'football', operation: 'fixtures' }, { poll: 'fixtures', trace_id });
 */
export function reportDrift(
  telemetry: Telemetry,
  counts: readonly DriftCount[],
  dims: { provider: string; operation: string },
  logFields: Record<string, unknown> = {},
  logField: (field: string) => boolean = () => true,
): void {
  for (const c of counts) {
    emitMetric(telemetry, METRIC.SchemaDrift, c.records, 'Count', { ...dims, field: c.field });
    if (!logField(c.field)) continue;
    const what =
      c.kind === 'unknown_field' ? 'a field the schema does not declare' : 'a value the schema does not list';
    telemetry.log('warn', `schema drift: ${what}`, {
      provider: dims.provider,
      operation: dims.operation,
      ...logFields,
      field: c.field,
      drift: c.kind,
      value_type: c.valueType,
      records: c.records,
    });
  }
}

/**
 * Remembers which fields were logged lately, so a long-lived handler (the event processor) logs each
 * field once per `windowMs` rather than once per event; bounded to `max` entries.
 *
 * @example
 * const recent = new RecentFields(600_000);
 * reportDrift(telemetry, counts, dims, {}, (f) => recent.first(`github:${f}`, Date.now()));
 */
export class RecentFields {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs = 600_000,
    private readonly max = 200,
  ) {}

  first(key: string, now: number): boolean {
    const at = this.seen.get(key);
    if (at !== undefined && now - at < this.windowMs) return false;
    if (this.seen.size >= this.max) this.seen.clear();
    this.seen.set(key, now);
    return true;
  }
}

// The finder comes with the collector, so a bundle that never collects (the command writer) holds none of it.
let collecting: { findings: DriftFinding[]; find: typeof findDrift } | undefined;

/**
 * Runs a synchronous mapping and gathers the drift its payload parses note (see noteDrift): the
 * providers' mappings parse with parsePayload deep inside and return only entity changes.
 *
 * @example
 * const { value: changes, drift } = collectDrift(() => def.webhook.map(event));
 */
export function collectDrift<T>(fn: () => T): { value: T; drift: DriftFinding[] } {
  const outer = collecting;
  const mine: DriftFinding[] = [];
  collecting = { findings: mine, find: findDrift };
  try {
    return { value: fn(), drift: mine };
  } finally {
    collecting = outer;
  }
}

/**
 * Notes the drift of a parsed value (findDrift) for the enclosing collectDrift; computed only when someone collects.
 *
 * @example
 * noteDrift(stripeEvent, body, 'event'); // inside collectDrift(() => ...): its findings join the collected drift
 */
export function noteDrift(schema: z.ZodMiniType, value: unknown, prefix = ''): void {
  if (collecting) collecting.findings.push(...collecting.find(schema, value, prefix));
}
