import * as z from 'zod/mini';
import { IntegrationError } from '../core/errors';
import { noteDrift } from '../core/schema-drift';

/**
 * Validates a payload against the fields a mapping reads; anything else is a payload no retry can fix.
 * A valid payload's schema drift (an unlisted value of an `openEnum`, an unknown key at a `z.object`
 * level; never the keys a `z.looseObject` passes through) is noted as `<what>.<path>` for the processor.
 *
 * @example
 * const event = parsePayload('stripe', 'event', stripeEvent, body);
 */
export function parsePayload<T extends z.ZodMiniType>(
  provider: string,
  what: string,
  schema: T,
  body: unknown,
): z.infer<T> {
  const result = z.safeParse(schema, body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new IntegrationError(
      'invalid_payload',
      `${provider} ${what} payload: ${issue?.path.join('.') || '(root)'} ${issue?.code ?? 'invalid'}`,
    );
  }
  noteDrift(schema, body, what);
  return result.data;
}

/** Epoch ms of an ISO 8601 date; invalid_payload when it is not one. */
export function isoMs(provider: string, field: string, text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new IntegrationError('invalid_payload', `${provider} ${field} is not a date`);
  return ms;
}

/** A nested field of an untrusted value, or undefined; for event ids and times, which must never throw. */
export function pick(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export const pickString = (value: unknown, ...path: string[]): string | undefined => {
  const v = pick(value, ...path);
  return typeof v === 'string' && v.length > 0 ? v : undefined;
};

/** Epoch ms of an ISO date found at `path`, or undefined. */
export const pickIsoMs = (value: unknown, ...path: string[]): number | undefined => {
  const text = pickString(value, ...path);
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
};
