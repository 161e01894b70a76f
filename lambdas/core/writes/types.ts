import type * as z from 'zod/mini';
import type { ClientRequest, ClientResponse, Result } from '../client/types';

/** One request through the provider's client, with the command's trace id and deadline. */
export type Call = (req: ClientRequest) => Promise<Result<ClientResponse>>;

/** Every write input names the entity by our own id (`ref`): the external-id mapping is keyed by it. */
export interface WriteInput {
  ref: string;
}

/**
 * What a lookup knows besides the input: `since`, the earliest a create for this entity can have been sent (its first
 * claim).
 */
export interface FindContext {
  since?: Date;
}

/**
 * Finds the provider's id of an entity a lost create may have made, by our id embedded in it; undefined when there is
 * none.
 */
export type FindByRef<I> = (input: I, call: Call, ctx: FindContext) => Promise<Result<string | undefined>>;

/**
 * How a create whose outcome is unknown (timeout, reset, 5xx after sending) is settled:
 * - `idempotency-key`: the provider replays the first result for a repeated key (Stripe); the command id
 *   becomes the key, so a retry can never create twice while the provider keeps the key. It keeps it for
 *   `keyKeptMs` at least (Stripe: 24 h), then a reused key runs as a new request: a create first claimed
 *   more than an hour short of that ago is looked up with `find` before it is sent again.
 * - `lookup`: the provider has no keys (Trello); our id is embedded in what we create and, before a create
 *   is sent again, `find` looks for it. A lookup that fails stops the create: never guess.
 */
export type Reconcile<I> =
  | { strategy: 'idempotency-key'; keyKeptMs?: number; find?: FindByRef<I> }
  | { strategy: 'lookup'; find: FindByRef<I> };

/**
 * One write a provider accepts as a command. `create` operations create the entity when no provider id is
 * mapped to its `ref` (an existing mapping makes them an update); `update` operations need the mapping.
 */
export interface WriteOperation<I extends WriteInput = WriteInput> {
  description: string;
  /** zod/mini schema of the command's `input`; a command that fails it is never executed. */
  input: z.ZodMiniType<I>;
  /** The entity type written, e.g. `customer`, `card` (the mapping's namespace). */
  entity: string;
  mode: 'create' | 'update';
  /** The create request (required for `create` operations). */
  create?(input: I): ClientRequest;
  /** The provider's id in a create response. */
  idFrom?(body: unknown): string | undefined;
  /** Reads the entity before an update, so `update` can compare and skip a no-op write. */
  read?(providerId: string): ClientRequest;
  /** The update request, or undefined when `current` (what `read` returned) already matches the input. */
  update(input: I, providerId: string, current: unknown): ClientRequest | undefined;
  reconcile: Reconcile<I>;
  /**
   * The operation names (`operation` of each request) of every call this write can make, as logs and
   * metrics name them: the stack alarms on each one's p95 latency (lambdas/providers/operations.ts).
   */
  endpoints?: readonly string[];
}

/** A provider's writes, by operation name (what a command's `operation` says). */
// `any` input: each operation keeps its own input type; commands are validated by `input` at run time.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type WritesSpec = Record<string, WriteOperation<any>>;

/**
 * Declares one write operation with its input type inferred from the schema.
 *
 * @example
 * const createCard = writeOperation({ description: 'Create a card', input: cardInput, entity: 'card', mode: 'create', ... });
 */
export function writeOperation<I extends WriteInput>(op: WriteOperation<I>): WriteOperation<I> {
  return op;
}
