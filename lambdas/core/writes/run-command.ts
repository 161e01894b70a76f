import { IntegrationError } from '../errors';
import { emitMetric, METRIC } from '../metrics';
import type { Telemetry } from '../ports';
import type { RequestClient, Time } from '../client';
import { inputHash, type Command } from './command';
import type { ExternalIdStore } from './external-ids';
import type { CommandRunStore, OutcomeBase } from './outcomes';
import { performWrite, type WriteResult } from './perform-write';
import type { Resolved } from './resolve';

export interface RunDeps {
  client: RequestClient;
  externalIds: ExternalIdStore;
  outcomes: CommandRunStore;
  telemetry: Telemetry;
  time: Time;
}

/**
 * The outcome item's fixed fields for a command (entity and ref once resolved).
 *
 * @example
 * await outcomes.fail(outcomeBase(command), 'failed', { kind, message }, 0, new Date());
 */
export function outcomeBase(command: Command, resolved?: Resolved): OutcomeBase {
  return {
    commandId: command.commandId,
    provider: command.provider,
    operation: command.operation,
    inputHash: inputHash(command),
    correlationId: command.correlationId ?? command.commandId,
    entity: resolved?.operation.entity,
    ref: resolved?.input.ref,
  };
}

/**
 * Runs one resolved command: binds its id to its input (the same id with another input is permanent,
 * nothing executed), performs the write, records the outcome and counts it.
 *
 * @example
 * const result = await runCommand(command, resolveCommand(command, registry), { traceId, remainingMs }, deps);
 */
export async function runCommand(
  command: Command,
  resolved: Resolved,
  ctx: { remainingMs?: () => number },
  deps: RunDeps,
): Promise<WriteResult> {
  const base = outcomeBase(command, resolved);
  const now = () => new Date(deps.time.now());
  if ((await deps.outcomes.start(base, now())) === 'conflict') {
    throw new IntegrationError('permanent', `command ${command.commandId} was already used with another input`, {
      details: { reason: 'input_mismatch' },
    });
  }
  const result = await performWrite(
    {
      commandId: command.commandId,
      operation: resolved.operation,
      input: resolved.input,
      ctx: { traceId: base.correlationId!, remainingMs: ctx.remainingMs },
    },
    deps,
  );
  await deps.outcomes.succeed(base, result, now());
  const dims = { provider: command.provider, operation: command.operation };
  emitMetric(deps.telemetry, METRIC.CommandsSucceeded, 1, 'Count', dims);
  if (result.action === 'reconciled') emitMetric(deps.telemetry, METRIC.CommandsReconciled, 1, 'Count', dims);
  if (result.action === 'unchanged') emitMetric(deps.telemetry, METRIC.WritesUnchanged, 1, 'Count', dims);
  return result;
}
