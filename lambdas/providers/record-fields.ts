import type * as z from 'zod/mini';
import type { RecordFields } from '../core/routes/validate';
import type { ProviderDefinition } from '../core/provider';
import { getProvider, webhookSamples } from './index';

type Def = {
  type: string;
  shape?: Record<string, z.ZodMiniType>;
  catchall?: z.ZodMiniType;
  innerType?: z.ZodMiniType;
  options?: z.ZodMiniType[];
};
const defOf = (s: z.ZodMiniType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Whether a zod schema has a field at a dot path: objects by their shape, loose objects and records take any key. */
function schemaHas(schema: z.ZodMiniType, steps: string[]): boolean {
  let d = defOf(schema);
  while (d.innerType) d = defOf(d.innerType);
  if (steps.length === 0) return true;
  if (d.type === 'union') return (d.options ?? []).some((o) => schemaHas(o, steps));
  if (d.type === 'record' || d.type === 'unknown' || d.type === 'any') return true;
  if (d.type !== 'object' || !d.shape) return false;
  const [step, ...rest] = steps as [string, ...string[]];
  if (Object.hasOwn(d.shape, step)) return schemaHas(d.shape[step]!, rest);
  return d.catchall !== undefined && defOf(d.catchall).type !== 'never';
}

/** Whether a JSON value has a field at a dot path (a null there counts). */
function valueHas(value: unknown, steps: string[]): boolean {
  let here = value;
  for (const step of steps) {
    if (here === null || typeof here !== 'object' || Array.isArray(here) || !Object.hasOwn(here, step)) return false;
    here = (here as Record<string, unknown>)[step];
  }
  return true;
}

const FIXED_IDS = { hex: (n: number) => 'a'.repeat(n), uuid: () => '00000000-0000-4000-8000-000000000000' };

/** The records the provider's documented sample delivery maps to, by type. */
function sampleRecords(def: ProviderDefinition): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const samples = webhookSamples(def);
  if (!def.webhook || !samples) return out;
  const now = new Date(Date.UTC(2025, 0, 6, 12));
  const { body, headers } = samples.documented({ now, ids: FIXED_IDS });
  const parsed: unknown = JSON.parse(body);
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const event = { provider: def.name, eventId: 'sample', receivedAt: now.getTime(), headers: lower, body: parsed };
  for (const change of def.webhook.map(event as Parameters<typeof def.webhook.map>[0]))
    out.set(change.type, change.data);
  return out;
}

/**
 * The fields a provider's records of one type are known to have, for checking routes at synth time: a poll's
 * record schema (every field it documents), else the record its documented sample delivery maps to; undefined
 * when the provider makes no records of that type that either shows.
 *
 * @example
 * recordFields('football', 'fixture')?.has('fixture.status.short') // true
 * recordFields('github', 'issue')?.has('labels') // true
 */
export function recordFields(provider: string, type: string): RecordFields | undefined {
  const def = getProvider(provider);
  if (!def) return undefined;
  const poll = def.polls?.find((p) => p.type === type);
  if (poll) return { has: (path) => schemaHas(poll.schema.record as z.ZodMiniType, path.split('.')) };
  const sample = sampleRecords(def).get(type);
  return sample ? { has: (path) => valueHas(sample, path.split('.')) } : undefined;
}
