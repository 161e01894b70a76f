import * as z from 'zod/mini';
import type { Registry } from '../provider';
import { type Route, ROUTE_NAME, type Template } from './route';
import { placeholders, TEMPLATE_ROOTS } from './template';
import { whenFields } from './when';

/** Which fields the records of one provider's type are known to have (its poll's schema, or its documented sample). */
export interface RecordFields {
  has(path: string): boolean;
}

export interface RouteCheckContext {
  registry: Registry;
  /** The known fields of a provider's record type; undefined when the provider makes no records of that type. */
  fieldsOf(provider: string, type: string): RecordFields | undefined;
}

type Def = { type: string; shape?: Record<string, z.ZodMiniType>; catchall?: z.ZodMiniType; innerType?: z.ZodMiniType };
const defOf = (s: z.ZodMiniType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;
const optional = (s: z.ZodMiniType): boolean =>
  (s as unknown as { _zod: { optin?: string } })._zod.optin === 'optional';

/** The object shape of an operation's input schema (through optional, nullable and check wrappers). */
function shapeOf(schema: z.ZodMiniType): { shape: Record<string, z.ZodMiniType>; strict: boolean } | undefined {
  let d = defOf(schema);
  while (d.innerType) d = defOf(d.innerType);
  if (d.type !== 'object' || !d.shape) return undefined;
  return { shape: d.shape, strict: d.catchall !== undefined && defOf(d.catchall).type === 'never' };
}

const hasPlaceholder = (t: Template): boolean => placeholders(t).length > 0;

/** The input template against the operation's schema: no unknown field, every required one, literal values valid. */
function inputProblems(route: Route, schema: z.ZodMiniType): string[] {
  const object = shapeOf(schema);
  if (!object) return [];
  const problems: string[] = [];
  const input = route.do.input;
  for (const key of Object.keys(input))
    if (!(key in object.shape) && object.strict)
      problems.push(`input field ${key} is not an input of ${route.do.operation}`);
  for (const [key, field] of Object.entries(object.shape)) {
    const value = input[key];
    if (value === undefined) {
      if (!optional(field)) problems.push(`input field ${key} is required by ${route.do.operation}`);
    } else if (!hasPlaceholder(value) && !z.safeParse(field, value).success)
      problems.push(`input field ${key} is not a valid value for ${route.do.operation}`);
  }
  return problems;
}

/** A placeholder path that is not a known root or record field. */
function placeholderProblems(route: Route, fields: RecordFields): string[] {
  return placeholders(route.do.input).flatMap((path) => {
    const [root, ...rest] = path.split('.');
    if (root === 'record') return rest.length === 0 || fields.has(rest.join('.')) ? [] : [`unknown field ${path}`];
    return (TEMPLATE_ROOTS as readonly string[]).includes(path) ? [] : [`unknown placeholder {{${path}}}`];
  });
}

function problemsOf(route: Route, ctx: RouteCheckContext): string[] {
  const problems: string[] = [];
  if (!ROUTE_NAME.test(route.name)) problems.push('name must be lower-case letters, digits and dashes (40 at most)');
  const source = ctx.registry(route.on.provider);
  const fields = source ? ctx.fieldsOf(route.on.provider, route.on.type) : undefined;
  if (!source) problems.push(`unknown provider ${route.on.provider}`);
  else if (!fields) problems.push(`${route.on.provider} makes no ${route.on.type} records`);
  else {
    for (const field of whenFields(route.on.when))
      if (!fields.has(field)) problems.push(`unknown field ${field} of ${route.on.provider} ${route.on.type}`);
    problems.push(...placeholderProblems(route, fields));
  }
  const target = ctx.registry(route.do.provider);
  const operation =
    target?.writes && Object.hasOwn(target.writes, route.do.operation) ? target.writes[route.do.operation] : undefined;
  if (!target?.writes) problems.push(`unknown provider ${route.do.provider} (no writes)`);
  else if (!operation) problems.push(`unknown operation ${route.do.operation} of ${route.do.provider}`);
  else problems.push(...inputProblems(route, operation.input));
  return problems;
}

/**
 * Every problem of a set of routes, each naming its route: a bad or repeated name, an unknown provider, record
 * type, field, placeholder or operation, and an input the operation's schema would refuse whatever the record holds.
 *
 * @example
 * routeProblems(ROUTES, { registry: getProvider, fieldsOf }) // ['route bug-to-trello: unknown field labelz of github issue']
 */
export function routeProblems(routes: readonly Route[], ctx: RouteCheckContext): string[] {
  const seen = new Set<string>();
  return routes.flatMap((route) => {
    const own = problemsOf(route, ctx);
    if (seen.has(route.name)) own.push('another route has this name');
    seen.add(route.name);
    return own.map((p) => `route ${route.name}: ${p}`);
  });
}

/**
 * Throws one error listing every problem (the CDK app calls it before it builds anything: a synth error).
 *
 * @example
 * checkRoutes(ROUTES, { registry: getProvider, fieldsOf: recordFields });
 */
export function checkRoutes(routes: readonly Route[], ctx: RouteCheckContext): void {
  const problems = routeProblems(routes, ctx);
  if (problems.length > 0) throw new Error(`invalid routes:\n  ${problems.join('\n  ')}`);
}
