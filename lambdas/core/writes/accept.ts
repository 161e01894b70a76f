import { describeError } from '../errors';
import { jsonTooDeep, MAX_JSON_DEPTH } from '../json-depth';
import { emitMetric, METRIC } from '../metrics';
import { printable } from '../printable';
import type { QueueMessage, QueueSender, Telemetry } from '../ports';
import type { Registry } from '../provider';
import { CMD_ATTR, parseCommand, type Command } from './command';
import type { CommandOutcomeStore } from './outcomes';
import { rejectReason, resolveCommand } from './resolve';
import { outcomeBase } from './run-command';

export interface AcceptRequest {
  provider: string;
  method: string;
  /** The raw body as UTF-8 text. */
  body: string;
}

export interface AcceptResponse {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
}

export interface AcceptDeps {
  registry: Registry;
  queueFor(provider: string): QueueSender | undefined;
  outcomes: CommandOutcomeStore;
  telemetry: Telemetry;
  now(): Date;
  /** A command id for a request that brings none. */
  newId(): string;
}

/**
 * The largest command body accepted (256 KiB): a command is a few fields of input, and this keeps every one
 * a single SQS message (1 MiB) with room for its attributes and DLQ reason.
 */
export const COMMAND_BODY_LIMIT = 256 * 1024;

const json = (statusCode: number, body: Record<string, unknown>): AcceptResponse => ({
  statusCode,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

/**
 * The queued form of a command: its JSON, and attributes for logs and the DLQ. Any sender may queue commands this way.
 *
 * @example
 * await queue.send(toCommandMessage({ commandId: 'c-1', provider: 'stripe', operation: 'createCustomer', input: { ref: 'U-1' } }));
 */
export function toCommandMessage(command: Command): QueueMessage {
  return {
    body: JSON.stringify(command),
    attributes: {
      [CMD_ATTR.provider]: command.provider,
      [CMD_ATTR.commandId]: command.commandId,
      [CMD_ATTR.operation]: command.operation,
      [CMD_ATTR.traceId]: command.correlationId ?? command.commandId,
    },
  };
}

/**
 * `POST /commands/{provider}` with `{ commandId?, operation, input, correlationId? }`: validates the command
 * against its operation's schema and queues it. 202 `{ commandId, status: 'queued' }`; 400 for a body or
 * input that fails validation, 413 for a body over 256 KiB, 404 for an unknown provider or operation,
 * 409 for a command id already used with another input (nothing is queued in any of these), 503 when
 * the queue is unavailable.
 *
 * @example
 * const res = await acceptCommand({ provider: 'trello', method: 'POST', body: '{"operation":"createCard","input":{...}}' }, deps);
 */
export async function acceptCommand(req: AcceptRequest, deps: AcceptDeps): Promise<AcceptResponse> {
  const def = deps.registry(req.provider);
  const queue = def?.writes ? deps.queueFor(def.name) : undefined;
  if (!def?.writes || !queue) return json(404, { error: 'unknown_provider' });
  if (req.method !== 'POST') return json(405, { error: 'method_not_allowed' });
  const rejected = (status: number, error: string, message: string) => {
    emitMetric(deps.telemetry, METRIC.CommandsRejected, 1, 'Count', { provider: def.name, reason: error });
    deps.telemetry.log('warn', 'command rejected', { provider: def.name, reason: error, error_message: message });
    return json(status, { error, message });
  };

  if (Buffer.byteLength(req.body) > COMMAND_BODY_LIMIT)
    return rejected(413, 'payload_too_large', `the body is over ${COMMAND_BODY_LIMIT} bytes`);
  // The input hash and the schemas recurse: a body nested thousands deep would overflow the stack.
  if (jsonTooDeep(req.body))
    return rejected(400, 'malformed_body', `the body nests deeper than ${MAX_JSON_DEPTH} levels`);
  let body: unknown;
  try {
    body = JSON.parse(req.body);
  } catch {
    return rejected(400, 'malformed_body', 'the body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return rejected(400, 'invalid_command', 'the body must be a JSON object');
  const fields = body as Record<string, unknown>;
  if (fields.provider !== undefined && fields.provider !== def.name)
    return rejected(
      400,
      'invalid_command',
      `provider ${printable(String(fields.provider), 64)} does not match the route`,
    );

  let command: Command;
  try {
    command = parseCommand({ ...fields, provider: def.name, commandId: fields.commandId ?? deps.newId() });
    resolveCommand(command, deps.registry);
  } catch (err) {
    const reason = rejectReason(err) ?? 'invalid_command';
    const status = reason === 'unknown_provider' || reason === 'unknown_operation' ? 404 : 400;
    return rejected(status, reason, describeError(err).message);
  }

  const base = outcomeBase(command);
  const log = {
    provider: def.name,
    command_id: command.commandId,
    operation: command.operation,
    trace_id: base.correlationId,
  };
  let known: 'new' | 'known' | 'conflict';
  try {
    known = await deps.outcomes.accept(base, deps.now());
  } catch (err) {
    deps.telemetry.log('error', 'command store unavailable', { ...log, error_code: describeError(err).kind });
    return json(503, { error: 'unavailable' });
  }
  if (known === 'conflict')
    return rejected(409, 'command_conflict', `command ${command.commandId} was already used with another input`);
  try {
    await queue.send(toCommandMessage(command));
  } catch (err) {
    if (known === 'new') await deps.outcomes.discard(base).catch(() => undefined);
    deps.telemetry.log('error', 'command enqueue failed', { ...log, error_code: describeError(err).kind });
    return json(503, { error: 'unavailable' });
  }
  emitMetric(deps.telemetry, METRIC.CommandsAccepted, 1, 'Count', { provider: def.name, operation: command.operation });
  deps.telemetry.log('info', 'command accepted', { ...log, repeated: known === 'known' });
  return json(202, { commandId: command.commandId, status: 'queued' });
}
