import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { IntegrationError } from '../errors';

/** Command ids: what callers use as their own idempotency key (UUIDs, ULIDs, `order-42:create`). */
export const COMMAND_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Correlation ids travel as a header (`X-Correlation-Id`) and in logs: visible ASCII only (no space, no control
 * character, so never a broken header or a forged log line), at most 128, as W3C trace ids and request ids are.
 */
export const CORRELATION_ID = /^[\x21-\x7e]{1,128}$/;

/** Our id of an entity (`ref` in every write input): printable, no spaces or newlines, at most 128 characters. */
export const refSchema = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,127}$/));

const commandSchema = z.object({
  commandId: z.string().check(z.regex(COMMAND_ID)),
  provider: z.string().check(z.regex(/^[a-z0-9-]{1,64}$/)),
  operation: z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/)),
  input: z.unknown(),
  correlationId: z.optional(z.string().check(z.regex(CORRELATION_ID))),
});

/** A write command, as queued and as `POST /commands/{provider}` takes it. */
export interface Command {
  commandId: string;
  provider: string;
  operation: string;
  input: unknown;
  /** Travels as the trace id (`X-Correlation-Id`, logs); defaults to the command id. */
  correlationId?: string;
}

/** Message attributes of a queued command (the body is the command's JSON). */
export const CMD_ATTR = {
  provider: 'provider',
  commandId: 'commandId',
  operation: 'operation',
  traceId: 'traceId',
} as const;

/**
 * Why a zod/mini schema rejected a value: paths, codes and key names, never the values (they may be personal data).
 * Names come from the caller: each is cut to 64 characters (answers are JSON and the console escapes what it shows).
 *
 * @example
 * describeIssues(z.safeParse(schema, input).error!.issues, 'input') // 'input.email invalid_format; input unrecognized_keys (color)'
 */
export function describeIssues(
  issues: readonly { path: PropertyKey[]; code: string; expected?: unknown; keys?: string[]; message?: string }[],
  prefix = '',
): string {
  return issues
    .slice(0, 5)
    .map((i) => {
      const where = [prefix, ...i.path.map((p) => String(p).slice(0, 64))].filter(Boolean).join('.') || '(root)';
      const extra =
        typeof i.expected === 'string'
          ? ` (expected ${i.expected})`
          : i.keys
            ? ` (${i.keys
                .slice(0, 5)
                .map((k) => k.slice(0, 64))
                .join(', ')})`
            : i.code === 'custom' && i.message
              ? ` (${i.message.slice(0, 200)})`
              : '';
      return `${where} ${i.code}${extra}`;
    })
    .join('; ');
}

/**
 * Checks a command's envelope (not its input: that is the operation's schema). Throws
 * IntegrationError('invalid_payload') with the failing fields.
 *
 * @example
 * const command = parseCommand({ commandId: 'c-1', provider: 'trello', operation: 'createCard', input: { ... } });
 */
export function parseCommand(value: unknown): Command {
  const result = z.safeParse(commandSchema, value);
  if (!result.success)
    throw new IntegrationError('invalid_payload', `invalid command: ${describeIssues(result.error.issues)}`, {
      details: { reason: 'invalid_command' },
    });
  if (result.data.input === undefined)
    throw new IntegrationError('invalid_payload', 'invalid command: input missing', {
      details: { reason: 'invalid_command' },
    });
  return result.data;
}

/**
 * A queued message body back to a command; throws invalid_payload when it is not one.
 *
 * @example
 * const command = commandFromMessage(record.body);
 */
export function commandFromMessage(body: string): Command {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new IntegrationError('invalid_payload', 'command message is not JSON', {
      details: { reason: 'invalid_command' },
    });
  }
  return parseCommand(value);
}

// JSON with sorted keys, so the same input always hashes the same whatever order its keys came in.
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What makes two deliveries of one command id the same command: its provider, operation and input. A command id
 * seen again with another hash is a permanent error, never executed.
 *
 * @example
 * inputHash({ provider: 'trello', operation: 'createCard', input: { ref: 'T-1', name: 'a' } }) ===
 *   inputHash({ provider: 'trello', operation: 'createCard', input: { name: 'a', ref: 'T-1' } }) // true
 */
export function inputHash(command: Pick<Command, 'provider' | 'operation' | 'input'>): string {
  return createHash('sha256')
    .update(canonical([command.provider, command.operation, command.input]))
    .digest('hex');
}
