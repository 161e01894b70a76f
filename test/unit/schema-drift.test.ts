import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import {
  collectDrift,
  DriftTally,
  findDrift,
  noteDrift,
  openEnum,
  OTHER_FIELDS,
  RecentFields,
  reportDrift,
} from '../../lambdas/core/schema-drift';
import { RecordingTelemetry } from '../helpers/memory';

const item = z.object({
  id: z.number(),
  status: openEnum(['open', 'closed']),
  tags: z.array(z.object({ name: z.string() })),
  owner: z.optional(z.nullable(z.object({ login: z.string() }))),
  extra: z.looseObject({ known: z.string() }),
  kind: z.catch(z.enum(['a', 'b']), 'a'),
  meta: z.record(z.string(), z.object({ n: z.number() })),
});
const base = {
  id: 1,
  status: 'open',
  tags: [{ name: 'x' }],
  owner: null,
  extra: { known: 'k' },
  kind: 'a',
  meta: { m1: { n: 1 } },
};

describe('findDrift', () => {
  it('finds nothing in a record that carries only what the schema declares', () => {
    expect(findDrift(item, base)).toEqual([]);
    expect(findDrift(item, { ...base, owner: undefined })).toEqual([]);
  });

  it('reports an unknown field at an object level with its JSON type, never descending into it', () => {
    expect(findDrift(item, { ...base, attendance: 41_000, venue: { capacity: 1, city: 'x' } })).toEqual([
      { field: 'attendance', kind: 'unknown_field', valueType: 'number' },
      { field: 'venue', kind: 'unknown_field', valueType: 'object' },
    ]);
  });

  it('names nested fields by path, array elements as [] and record values as *, each once per record', () => {
    const raw = {
      ...base,
      owner: { login: 'a', site_admin: false },
      tags: [
        { name: 'x', color: 'red' },
        { name: 'y', color: 'blue' },
      ],
      meta: { m1: { n: 1, z: null } },
    };
    expect(findDrift(item, raw)).toEqual([
      { field: 'tags[].color', kind: 'unknown_field', valueType: 'string' },
      { field: 'owner.site_admin', kind: 'unknown_field', valueType: 'boolean' },
      { field: 'meta.*.z', kind: 'unknown_field', valueType: 'null' },
    ]);
  });

  it('says nothing about extra keys at a looseObject level (declared open)', () => {
    expect(findDrift(item, { ...base, extra: { known: 'k', anything: [1, 2] } })).toEqual([]);
  });

  it('reports a value outside an open enum, and outside a caught enum', () => {
    expect(z.safeParse(item, { ...base, status: 'archived', kind: 'c' }).success).toBe(true);
    expect(findDrift(item, { ...base, status: 'archived', kind: 'c' })).toEqual([
      { field: 'status', kind: 'unknown_enum_value', valueType: 'string' },
      { field: 'kind', kind: 'unknown_enum_value', valueType: 'string' },
    ]);
  });

  it('walks the union option that accepted the value', () => {
    const shape = z.object({ v: z.union([z.object({ a: z.string() }), z.object({ b: z.number() })]) });
    expect(findDrift(shape, { v: { b: 1, c: 2 } })).toEqual([
      { field: 'v.c', kind: 'unknown_field', valueType: 'number' },
    ]);
  });

  it('prefixes paths and bounds long keys', () => {
    expect(findDrift(item, { ...base, ['k'.repeat(500)]: 1 }, 'issues')[0]!.field).toBe(`issues.${'k'.repeat(64)}`);
  });

  it('caps a whole path at 160 characters', () => {
    const prefix = 'p'.repeat(155);
    expect(findDrift(item, { ...base, surprise: 1 }, prefix)[0]!.field).toBe(`${prefix}.surp`);
  });
});

describe('DriftTally', () => {
  it('counts records per field and folds fields beyond the cap into (other)', () => {
    const tally = new DriftTally(2);
    tally.add([{ field: 'a', kind: 'unknown_field', valueType: 'number' }]);
    tally.add([
      { field: 'a', kind: 'unknown_field', valueType: 'number' },
      { field: 'b', kind: 'unknown_enum_value', valueType: 'string' },
    ]);
    tally.add([
      { field: 'c', kind: 'unknown_field', valueType: 'string' },
      { field: 'd', kind: 'unknown_field', valueType: 'string' },
    ]);
    tally.merge([{ field: 'b', kind: 'unknown_enum_value', valueType: 'string', records: 3 }]);
    expect(tally.counts().map((c) => [c.field, c.records])).toEqual([
      ['a', 2],
      ['b', 4],
      [OTHER_FIELDS, 2],
    ]);
    expect(tally.size).toBe(3);
  });
});

describe('reportDrift', () => {
  it('emits SchemaDrift per provider, operation and field, and one warn line per field without the value', () => {
    const t = new RecordingTelemetry();
    reportDrift(
      t,
      [{ field: 'fixture.status.short', kind: 'unknown_enum_value', valueType: 'string', records: 7 }],
      { provider: 'football', operation: 'fixtures' },
      { trace_id: 't1' },
    );
    expect(t.count('SchemaDrift', { provider: 'football', operation: 'fixtures', field: 'fixture.status.short' })).toBe(
      7,
    );
    expect(t.count('SchemaDrift', { provider: 'football' })).toBe(7);
    expect(t.logs).toEqual([
      {
        level: 'warn',
        message: 'schema drift: a value the schema does not list',
        fields: {
          provider: 'football',
          operation: 'fixtures',
          trace_id: 't1',
          field: 'fixture.status.short',
          drift: 'unknown_enum_value',
          value_type: 'string',
          records: 7,
        },
      },
    ]);
  });

  it('logs only the fields the gate lets through, and counts them all', () => {
    const t = new RecordingTelemetry();
    const recent = new RecentFields(1000);
    const counts = [{ field: 'a', kind: 'unknown_field' as const, valueType: 'number' as const, records: 1 }];
    for (const now of [0, 10, 999, 1000])
      reportDrift(t, counts, { provider: 'p', operation: 'webhook' }, {}, (f) => recent.first(f, now));
    expect(t.logs).toHaveLength(2);
    expect(t.count('SchemaDrift', { provider: 'p', operation: 'webhook', field: 'a' })).toBe(4);
  });
});

describe('collectDrift', () => {
  it('gathers what noteDrift reports inside, and computes nothing outside', () => {
    const schema = z.object({ id: z.string() });
    // Not a schema: walking it would throw, so noting it outside a collect proves nothing is computed there.
    noteDrift({} as z.ZodMiniType, { id: 'a', x: 1 });
    const { value, drift } = collectDrift(() => {
      noteDrift(schema, { id: 'a', x: 'y' }, 'event');
      return 42;
    });
    expect([value, drift]).toEqual([42, [{ field: 'event.x', kind: 'unknown_field', valueType: 'string' }]]);
  });
});
