import * as z from 'zod/mini';
import { IntegrationError } from '../errors';
import { at } from './json-path';
import { DriftTally, findDrift, type DriftCount } from '../schema-drift';
import type { Quarantined } from './types';

/** The poll's schemas: `record` for each record; `envelope`, if given, for the whole body. */
export interface PageSchema<T = unknown> {
  record: z.ZodMiniType<T>;
  envelope?: z.ZodMiniType;
}

export type PageRecords<T> =
  | { ok: true; raw: unknown[]; records: T[]; quarantined: Quarantined[]; drift: DriftCount[] }
  | { ok: false; error: IntegrationError };

/** Which fields failed and how, from zod's issues; never the values. */
function reasonOf(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(root)'} ${i.code}`)
    .join('; ');
}

/**
 * The records of one page, validated: a body whose envelope fails, or without a records array, is
 * `malformed_response`; a record that fails is quarantined with its reason and the rest go on. Valid
 * records are checked for schema drift (fields and enum values the schema does not know), counted per field.
 *
 * @example
 * const page = pageRecords(body, 'data', { record: z.object({ id: z.string() }) });
 * if (page.ok) { store(page.records); quarantine(page.quarantined); }
 */
export function pageRecords<T = unknown>(
  body: unknown,
  recordsPath: string | undefined,
  schema?: PageSchema<T>,
): PageRecords<T> {
  if (schema?.envelope) {
    const envelope = z.safeParse(schema.envelope, body);
    if (!envelope.success)
      return {
        ok: false,
        error: new IntegrationError('malformed_response', `response envelope: ${reasonOf(envelope.error)}`),
      };
  }
  const raw = at(body, recordsPath);
  if (!Array.isArray(raw))
    return {
      ok: false,
      error: new IntegrationError('malformed_response', `response has no records array at ${recordsPath ?? '(root)'}`),
    };
  if (!schema) return { ok: true, raw, records: raw as T[], quarantined: [], drift: [] };
  const records: T[] = [];
  const quarantined: Quarantined[] = [];
  const drift = new DriftTally();
  raw.forEach((record, index) => {
    const result = z.safeParse(schema.record, record);
    if (result.success) {
      records.push(result.data);
      drift.add(findDrift(schema.record, record));
    } else quarantined.push({ index, record, reason: reasonOf(result.error) });
  });
  return { ok: true, raw, records, quarantined, drift: drift.counts() };
}
