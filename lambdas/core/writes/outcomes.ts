/** Where a command is: queued at the route, running, waiting for a retry, done, or failed for good (in the DLQ). */
export type CommandStatus = 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed';

/** What a successful command did at the provider. */
export type WriteAction = 'created' | 'updated' | 'unchanged' | 'reconciled';

export interface CommandOutcome {
  commandId: string;
  provider: string;
  operation: string;
  entity?: string;
  ref?: string;
  correlationId?: string;
  status: CommandStatus;
  action?: WriteAction;
  providerId?: string;
  /** Deliveries that ran the command. */
  attempts: number;
  /** HTTP requests to the provider, all deliveries together. */
  providerCalls?: number;
  lastError?: { kind: string; message: string };
  inputHash: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * A command's key in the outcomes table: ids are the caller's and unique per provider only, so the provider leads
 * (and IAM's `dynamodb:LeadingKeys` holds each provider's functions to its own commands).
 *
 * @example
 * commandKey('stripe', 'c-1') // 'stripe#c-1'
 */
export const commandKey = (provider: string, commandId: string): string => `${provider}#${commandId}`;

export interface OutcomeBase {
  commandId: string;
  provider: string;
  operation: string;
  inputHash: string;
  correlationId?: string;
  entity?: string;
  ref?: string;
}

/** What a delivery of a command writes to the outcomes table (the command writer needs no more). */
export interface CommandRunStore {
  /** A delivery starts: `running`, attempts + 1; `conflict` when the id belongs to another input. */
  start(base: OutcomeBase, at: Date): Promise<'ok' | 'conflict'>;
  succeed(
    base: OutcomeBase,
    result: { action: WriteAction; providerId: string; providerCalls: number },
    at: Date,
  ): Promise<void>;
  /**
   * Records a failure (`retrying` or `failed`), creating the item when the command never ran; ignored for another
   * input, and once the command succeeded.
   */
  fail(
    base: OutcomeBase,
    status: 'retrying' | 'failed',
    error: { kind: string; message: string },
    providerCalls: number,
    at: Date,
  ): Promise<void>;
}

/**
 * The command outcomes table, one item per provider and command id. A command id is bound to its first input hash:
 * writes for another hash are refused. The same id under two providers is two commands.
 */
export interface CommandOutcomeStore extends CommandRunStore {
  /** The route accepted a command: `new`, `known` (same id and input again), or `conflict` (same id, other input). */
  accept(base: OutcomeBase, at: Date): Promise<'new' | 'known' | 'conflict'>;
  /** Forgets a `queued` command the route could not enqueue. */
  discard(base: OutcomeBase): Promise<void>;
  get(provider: string, commandId: string): Promise<CommandOutcome | undefined>;
  /** The provider's commands, most recently updated first. */
  list(provider: string, opts?: { limit?: number }): Promise<CommandOutcome[]>;
}
