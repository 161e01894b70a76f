import * as z from 'zod/mini';
import { IntegrationError } from '../errors';
import type { ProviderDefinition, Registry } from '../provider';
import { describeIssues, type Command } from './command';
import type { WriteInput, WriteOperation } from './types';

export interface Resolved {
  definition: ProviderDefinition;
  operation: WriteOperation;
  input: WriteInput;
}

/** Why a command cannot run, as `details.reason`: the route answers 404 for the first two, 400 for the last. */
export type RejectReason = 'unknown_provider' | 'unknown_operation' | 'invalid_input';

const reject = (reason: RejectReason, message: string): IntegrationError =>
  new IntegrationError(reason === 'invalid_input' ? 'invalid_payload' : 'permanent', message, { details: { reason } });

/**
 * Finds a command's provider and operation and validates its input with the operation's schema.
 * Throws a permanent IntegrationError whose `details.reason` says why (a RejectReason).
 *
 * @example
 * const { definition, operation, input } = resolveCommand(command, getProvider);
 */
export function resolveCommand(command: Command, registry: Registry): Resolved {
  const definition = registry(command.provider);
  if (!definition?.writes) throw reject('unknown_provider', `unknown provider ${command.provider} (no writes)`);
  const operation = Object.hasOwn(definition.writes, command.operation)
    ? definition.writes[command.operation]
    : undefined;
  if (!operation) throw reject('unknown_operation', `unknown operation ${command.operation} for ${command.provider}`);
  const result = z.safeParse(operation.input, command.input);
  if (!result.success)
    throw reject(
      'invalid_input',
      `invalid input for ${command.provider} ${command.operation}: ${describeIssues(result.error.issues, 'input')}`,
    );
  return { definition, operation, input: result.data };
}

/**
 * The reason a resolve or parse failure carries, if any.
 *
 * @example
 * rejectReason(err) // 'unknown_operation'
 */
export function rejectReason(err: unknown): RejectReason | 'invalid_command' | undefined {
  const reason = err instanceof IntegrationError ? err.details?.reason : undefined;
  return typeof reason === 'string' ? (reason as RejectReason | 'invalid_command') : undefined;
}
