import { valueAt } from '../changes/diff';
import type { ChangeDetail } from '../changes/schema';
import type { Template } from './route';

/** What a template may read: the record after the change and the change's own fields. */
export interface TemplateContext {
  record: Record<string, unknown>;
  key: string;
  type: string;
  provider: string;
  version: number;
  eventId: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.$-]+)\s*\}\}/g;
const ONLY = /^\{\{\s*([A-Za-z0-9_.$-]+)\s*\}\}$/;
/** Roots a placeholder may start with. */
export const TEMPLATE_ROOTS = ['record', 'key', 'type', 'provider', 'version', 'eventId'] as const;

/**
 * A placeholder's value: `record.<dot path>` or one of the change's fields; undefined when missing.
 *
 * @example
 * lookup('record.teams.home.name', ctx) // 'Arsenal'
 */
export function lookup(path: string, ctx: TemplateContext): unknown {
  const [root, ...rest] = path.split('.');
  if (root === 'record') return rest.length === 0 ? ctx.record : valueAt(ctx.record, rest.join('.'));
  if (rest.length > 0 || !(TEMPLATE_ROOTS as readonly string[]).includes(root ?? '')) return undefined;
  return ctx[root as Exclude<(typeof TEMPLATE_ROOTS)[number], 'record'>];
}

const text = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/**
 * A route's input with its placeholders filled: `{{record.title}}` inside text becomes the value as text (empty when
 * missing); a string that is one placeholder and nothing else keeps the value as it is (a number stays a number,
 * a missing value leaves the field out). Objects and arrays are rendered field by field.
 *
 * @example
 * render({ text: 'FT: {{record.goals.home}}-{{record.goals.away}}', n: '{{version}}' }, ctx) // { text: 'FT: 2-1', n: 1723 }
 */
export function render(template: Template, ctx: TemplateContext): unknown {
  if (typeof template === 'string') {
    const only = ONLY.exec(template);
    if (only) return lookup(only[1]!, ctx);
    return template.replace(PLACEHOLDER, (_m, path: string) => text(lookup(path, ctx)));
  }
  if (Array.isArray(template)) return template.map((t) => render(t, ctx));
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) {
      const value = render(v, ctx);
      if (value !== undefined) out[k] = value;
    }
    return out;
  }
  return template;
}

/**
 * Every placeholder path in a template (synth-time checks use it).
 *
 * @example
 * placeholders({ name: '{{record.title}}', ref: 'gh:{{key}}' }) // ['record.title', 'key']
 */
export function placeholders(template: Template): string[] {
  if (typeof template === 'string') return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  if (Array.isArray(template)) return template.flatMap(placeholders);
  if (template !== null && typeof template === 'object') return Object.values(template).flatMap(placeholders);
  return [];
}

/** The template context of a change event and the record it is about. */
export const templateContext = (d: ChangeDetail, record: Record<string, unknown>): TemplateContext => ({
  record,
  key: d.key,
  type: d.type,
  provider: d.provider,
  version: d.version,
  eventId: d.eventId,
});
