import { IntegrationError } from '../errors';
import type { Command } from './command';

/**
 * The key the writer runs a command once under (the command id is unique per provider).
 *
 * @example
 * commandIdempotencyKey({ provider: 'stripe', commandId: 'c-1', ...rest }); // 'stripe#c-1'
 */
export function commandIdempotencyKey(command: Pick<Command, 'provider' | 'commandId'>): string {
  return `${command.provider}#${command.commandId}`;
}

/**
 * Powertools idempotency errors (known by name) as the writer's: another input under the same id is permanent,
 * a running twin is retried; any other error is returned as it is.
 *
 * @example
 * throw fromIdempotencyError(err, command.commandId);
 */
export function fromIdempotencyError(err: unknown, commandId: string): unknown {
  const name = (err as Error | undefined)?.name;
  if (name === 'IdempotencyValidationError')
    return new IntegrationError('permanent', `command ${commandId} was already used with another input`, {
      details: { reason: 'input_mismatch' },
    });
  if (name === 'IdempotencyAlreadyInProgressError')
    return new IntegrationError('retryable', `command ${commandId} is already running`, {
      details: { reason: 'in_progress' },
    });
  return err;
}

/** The outcome of an id that belongs to another input, or of a twin still running, is not this delivery's to write. */
export function ownsOutcome(err: unknown): boolean {
  const reason = err instanceof IntegrationError ? err.details?.reason : undefined;
  return reason !== 'input_mismatch' && reason !== 'in_progress';
}

/** How many provider calls a failed command made (its outcome records them). */
export function providerCallsOf(err: unknown): number {
  return err instanceof IntegrationError ? Number(err.details?.providerCalls ?? 0) : 0;
}
