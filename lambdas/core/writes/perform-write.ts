import { CLIENT_DEFAULTS, type Client, type Time } from '../client';
import { backoffMs } from '../client/backoff';
import type { CallContext, ClientRequest } from '../client/types';
import { IntegrationError, type ErrorKind } from '../errors';
import type { EntityKey, ExternalIdStore } from './external-ids';
import type { WriteAction } from './outcomes';
import type { Call, WriteInput, WriteOperation } from './types';

export interface PerformDeps {
  client: Client;
  externalIds: ExternalIdStore;
  /** The client's clock: waits between lookup-and-create rounds. */
  time: Time;
}

export interface WriteRequest {
  commandId: string;
  operation: WriteOperation;
  input: WriteInput;
  ctx: CallContext;
}

export interface WriteResult {
  action: WriteAction;
  providerId: string;
  /** HTTP requests this run made (every attempt of every call). */
  providerCalls: number;
}

/** Kinds after which the provider has certainly not created anything: it refused, or no request went out. */
const NOT_CREATED: ReadonlySet<ErrorKind> = new Set(['permanent', 'auth', 'rate_limited', 'circuit_open', 'invalid_payload']);

/** A client error as the writer passes it on: permanent stays permanent, anything else is worth another delivery. */
function carry(err: IntegrationError, prefix = ''): IntegrationError {
  const kind: ErrorKind = err.kind === 'permanent' || err.kind === 'invalid_payload' ? 'permanent' : 'retryable';
  return new IntegrationError(kind, `${prefix}${err.message}`, { status: err.status, requestId: err.requestId, attempts: err.attempts, resumeAt: err.resumeAt, details: { clientKind: err.kind } });
}

/**
 * Performs one write command exactly once in effect, through the provider's client and the external-id
 * mapping: an entity already mapped is updated (compared first when the operation reads it, and a no-op is
 * skipped); otherwise the command claims the entity and creates it. A create whose outcome is unknown is
 * settled by the operation's reconcile strategy: the same idempotency key (the provider replays), or a
 * lookup of our id before the create is sent again. Throws an IntegrationError: `permanent` (the DLQ at
 * once) or `retryable` (another delivery).
 *
 * @example
 * const result = await performWrite({ commandId, operation, input, ctx: { traceId } }, { client, externalIds, time: realTime });
 * // { action: 'created', providerId: 'cus_...', providerCalls: 1 }
 */
export async function performWrite(req: WriteRequest, deps: PerformDeps): Promise<WriteResult> {
  const { commandId, operation: op, input } = req;
  const { client, externalIds, time } = deps;
  const def = client.definition;
  const key: EntityKey = { provider: def.name, entity: op.entity, ref: input.ref };
  const keyed = op.reconcile.strategy === 'idempotency-key';
  let calls = 0;
  const call: Call = async (r) => {
    const res = await client.request(r, req.ctx);
    calls += res.ok ? res.value.attempts : res.error.attempts ?? 0;
    return res;
  };
  const done = (action: WriteAction, providerId: string): WriteResult => ({ action, providerId, providerCalls: calls });
  const what = `${def.name} ${op.entity} ${input.ref}`;
  // The same key on every delivery of this command: the provider replays instead of writing twice.
  const idempotencyKey = (step: 'create' | 'update'): string | undefined => (keyed ? `${commandId}:${step}` : undefined);

  const update = async (providerId: string): Promise<WriteResult> => {
    let current: unknown;
    if (op.read) {
      const read = await call(op.read(providerId));
      if (!read.ok) {
        if (read.error.status === 404) throw new IntegrationError('permanent', `${what} is mapped to ${providerId}, which ${def.name} no longer has`);
        throw carry(read.error, 'read before update: ');
      }
      current = read.value.body;
    }
    const request = op.update(input, providerId, current);
    if (!request) return done('unchanged', providerId);
    const res = await call({ ...request, idempotencyKey: idempotencyKey('update') });
    if (!res.ok) throw carry(res.error);
    return done('updated', providerId);
  };

  const mapped = await externalIds.get(key);
  if (mapped?.state === 'mapped' && mapped.providerId) return update(mapped.providerId);
  if (op.mode === 'update') {
    // The create may still be queued or running: another delivery later, the DLQ after the last.
    throw new IntegrationError('retryable', mapped ? `${what} is being created by command ${mapped.owner}` : `no ${def.name} id is mapped to ${op.entity} ${input.ref} yet`);
  }
  const claim = await externalIds.claim(key, commandId, new Date(time.now()));
  if (claim.kind === 'mapped') return update(claim.providerId);
  if (claim.kind === 'busy') throw new IntegrationError('retryable', `${what} is being created by command ${claim.owner}`);
  if (!op.create || !op.idFrom) throw new IntegrationError('permanent', `${def.name} ${op.entity}: operation has no create request`);

  const maxRounds = Math.max(1, def.retry?.attempts ?? CLIENT_DEFAULTS.attempts);
  const backoff = { baseMs: def.retry?.baseMs ?? CLIENT_DEFAULTS.baseMs, capMs: def.retry?.capMs ?? CLIENT_DEFAULTS.capMs };
  const attemptMs = def.timeouts?.attemptMs ?? CLIENT_DEFAULTS.attemptMs;
  let unconfirmed = claim.unconfirmed;
  for (let round = 1; ; round += 1) {
    if (op.reconcile.strategy === 'lookup' && unconfirmed > 0) {
      // An earlier create may have landed: look before creating again.
      const found = await op.reconcile.find(input, call);
      if (!found.ok) throw carry(found.error, 'reconcile lookup failed, not creating again: ');
      if (found.value) {
        await externalIds.map(key, found.value, commandId, new Date(time.now()));
        return done('reconciled', found.value);
      }
    }
    if (!keyed) await externalIds.countSent(key, commandId, 1);
    const res = await call({ ...op.create(input), idempotencyKey: idempotencyKey('create') });
    const providerId = res.ok ? op.idFrom(res.value.body) : undefined;
    if (providerId) {
      await externalIds.map(key, providerId, commandId, new Date(time.now()));
      return done('created', providerId);
    }
    const error = res.ok ? new IntegrationError('malformed_response', `${def.name} create answered ${res.value.status} without an id`, { status: res.value.status }) : res.error;
    if (NOT_CREATED.has(error.kind)) {
      if (!keyed) await externalIds.countSent(key, commandId, -1);
      if (error.kind === 'permanent' || error.kind === 'invalid_payload') {
        await externalIds.release(key, commandId);
        throw carry(error);
      }
      throw carry(error);
    }
    // Outcome unknown. With a key the client has already retried it; the next delivery sends the same key.
    unconfirmed += keyed ? 0 : 1;
    const remaining = req.ctx.remainingMs?.();
    const wait = backoffMs(round, backoff, time.random);
    if (keyed || round >= maxRounds || (remaining !== undefined && remaining < wait + 2 * attemptMs)) throw carry(error, 'create outcome unknown: ');
    await time.sleep(wait);
  }
}
