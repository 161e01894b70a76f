import { CLIENT_DEFAULTS, type RequestClient, type Time } from '../client';
import { backoffMs } from '../client/backoff';
import type { CallContext } from '../client/types';
import { IntegrationError, type ErrorKind } from '../errors';
import type { Claim, EntityKey, ExternalIdStore } from './external-ids';
import type { WriteAction } from './outcomes';
import type { Call, FindByRef, WriteInput, WriteOperation } from './types';

export interface PerformDeps {
  client: RequestClient;
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
const NOT_CREATED: ReadonlySet<ErrorKind> = new Set([
  'permanent',
  'auth',
  'rate_limited',
  'circuit_open',
  'invalid_payload',
]);

/**
 * No answer came back (our attempt timeout, a dropped connection, a gateway's 504): the provider may still be
 * working on the request and commit it after any lookup we could make now. A 500-503 is an answer: the
 * request ended (committed or not) before it came, so a lookup now sees what it did.
 */
const unanswered = (err: IntegrationError): boolean =>
  err.status === undefined ? err.kind === 'timeout' || err.kind === 'retryable' : err.status === 504;

/** A client error as the writer passes it on: permanent stays permanent, anything else is worth another delivery. */
function carry(err: IntegrationError, prefix = ''): IntegrationError {
  const kind: ErrorKind = err.kind === 'permanent' || err.kind === 'invalid_payload' ? 'permanent' : 'retryable';
  return new IntegrationError(kind, `${prefix}${err.message}`, {
    status: err.status,
    requestId: err.requestId,
    attempts: err.attempts,
    resumeAt: err.resumeAt,
    details: { clientKind: err.kind },
  });
}

/** What one run shares between its steps. */
interface Run {
  req: WriteRequest;
  deps: PerformDeps;
  key: EntityKey;
  keyed: boolean;
  what: string;
  call: Call;
  calls(): number;
}

const done = (run: Run, action: WriteAction, providerId: string): WriteResult => ({
  action,
  providerId,
  providerCalls: run.calls(),
});

/**
 * How long before the provider may drop a key we stop trusting it: clock skew, and the time until the request arrives.
 */
export const KEY_EXPIRY_MARGIN_MS = 3_600_000;

/**
 * Looks the entity up by our id and maps what it finds; undefined when nothing is there. A failed lookup never lets the
 * create go on.
 */
async function adopt(
  run: Run,
  find: FindByRef<WriteInput>,
  firstSentAt: string | undefined,
): Promise<WriteResult | undefined> {
  const found = await find(run.req.input, run.call, {
    since: firstSentAt === undefined ? undefined : new Date(firstSentAt),
  });
  if (!found.ok) throw carry(found.error, 'reconcile lookup failed, not creating again: ');
  if (!found.value) return undefined;
  await run.deps.externalIds.map(run.key, found.value, run.req.commandId, new Date(run.deps.time.now()));
  return done(run, 'reconciled', found.value);
}

// The same key on every delivery of this command: the provider replays instead of writing twice.
const idempotencyKey = (run: Run, step: 'create' | 'update'): string | undefined =>
  run.keyed ? `${run.req.commandId}:${step}` : undefined;

/** Updates a mapped entity: reads it first when the operation can compare, and skips a write that changes nothing. */
async function update(run: Run, providerId: string): Promise<WriteResult> {
  const { operation: op, input } = run.req;
  let current: unknown;
  if (op.read) {
    const read = await run.call(op.read(providerId));
    if (!read.ok) {
      if (read.error.status === 404)
        throw new IntegrationError(
          'permanent',
          `${run.what} is mapped to ${providerId}, which ${run.key.provider} no longer has`,
        );
      throw carry(read.error, 'read before update: ');
    }
    current = read.value.body;
  }
  const request = op.update(input, providerId, current);
  if (!request) return done(run, 'unchanged', providerId);
  const res = await run.call({ ...request, idempotencyKey: idempotencyKey(run, 'update') });
  if (!res.ok) throw carry(res.error);
  return done(run, 'updated', providerId);
}

/**
 * Creates a claimed entity. An answer that says nothing was created ends it (a refusal releases the claim);
 * an unknown outcome is left to the key (the next delivery re-sends it) or, without keys, looked up before
 * the next round creates again. Without keys, a create that got no answer at all is never looked up in the
 * same invocation: it may still land after the lookup, so the redelivery (a visibility timeout later) looks.
 */
async function create(run: Run, claim: Extract<Claim, { kind: 'claimed' }>): Promise<WriteResult> {
  const { req, deps, key } = run;
  const { operation: op, input, commandId } = req;
  const def = deps.client.definition;
  if (!op.create || !op.idFrom) throw new IntegrationError('permanent', `${run.what}: operation has no create request`);
  const now = () => new Date(deps.time.now());
  const maxRounds = Math.max(1, def.retry?.attempts ?? CLIENT_DEFAULTS.attempts);
  const backoff = {
    baseMs: def.retry?.baseMs ?? CLIENT_DEFAULTS.baseMs,
    capMs: def.retry?.capMs ?? CLIENT_DEFAULTS.capMs,
  };
  const attemptMs = def.timeouts?.attemptMs ?? CLIENT_DEFAULTS.attemptMs;
  const rc = op.reconcile;
  if (rc.strategy === 'idempotency-key' && rc.find && rc.keyKeptMs !== undefined) {
    // A command redriven a day later: the provider may have dropped the key and would create again. A claim
    // of unknown age (no firstSentAt) is treated as that old.
    const age = claim.firstSentAt === undefined ? Infinity : deps.time.now() - Date.parse(claim.firstSentAt);
    if (age >= rc.keyKeptMs - KEY_EXPIRY_MARGIN_MS) {
      const adopted = await adopt(run, rc.find, claim.firstSentAt);
      if (adopted) return adopted;
    }
  }
  let unconfirmed = claim.unconfirmed;
  for (let round = 1; ; round += 1) {
    if (rc.strategy === 'lookup' && unconfirmed > 0) {
      // An earlier create may have landed: look before creating again.
      const adopted = await adopt(run, rc.find, claim.firstSentAt);
      if (adopted) return adopted;
    }
    if (!run.keyed) await deps.externalIds.countSent(key, commandId, 1);
    const res = await run.call({ ...op.create(input), idempotencyKey: idempotencyKey(run, 'create') });
    const providerId = res.ok ? op.idFrom(res.value.body) : undefined;
    if (providerId) {
      await deps.externalIds.map(key, providerId, commandId, now());
      return done(run, 'created', providerId);
    }
    const error = res.ok
      ? new IntegrationError('malformed_response', `${def.name} create answered ${res.value.status} without an id`, {
          status: res.value.status,
        })
      : res.error;
    if (NOT_CREATED.has(error.kind)) {
      if (!run.keyed) await deps.externalIds.countSent(key, commandId, -1);
      if (error.kind === 'permanent' || error.kind === 'invalid_payload')
        await deps.externalIds.release(key, commandId);
      throw carry(error);
    }
    unconfirmed += 1;
    if (!run.keyed && unanswered(error))
      throw carry(
        error,
        'create outcome unknown, no answer (it may still land): the next delivery looks for it first: ',
      );
    const remaining = req.ctx.remainingMs?.();
    const wait = backoffMs(round, backoff, deps.time.random);
    if (run.keyed || round >= maxRounds || (remaining !== undefined && remaining < wait + 2 * attemptMs))
      throw carry(error, 'create outcome unknown: ');
    await deps.time.sleep(wait);
  }
}

/**
 * Performs one write command exactly once in effect, through the provider's client and the external-id
 * mapping: an entity already mapped is updated (compared first when the operation reads it, and a no-op is
 * skipped); otherwise the command claims the entity and creates it. A create whose outcome is unknown is
 * settled by the operation's reconcile strategy: the same idempotency key (the provider replays), or a
 * lookup of our id before the create is sent again. Throws an IntegrationError: `permanent` (the DLQ at
 * once) or `retryable` (another delivery), with `details.providerCalls`.
 *
 * @example
 * const result = await performWrite({ commandId, operation, input, ctx: { traceId } }, { client, externalIds, time: realTime });
 * // { action: 'created', providerId: 'cus_...', providerCalls: 1 }
 */
export async function performWrite(req: WriteRequest, deps: PerformDeps): Promise<WriteResult> {
  const { commandId, operation: op, input } = req;
  const provider = deps.client.definition.name;
  let calls = 0;
  const run: Run = {
    req,
    deps,
    key: { provider, entity: op.entity, ref: input.ref },
    keyed: op.reconcile.strategy === 'idempotency-key',
    what: `${provider} ${op.entity} ${input.ref}`,
    call: async (r) => {
      const res = await deps.client.request(r, req.ctx);
      calls += res.ok ? res.value.attempts : (res.error.attempts ?? 0);
      return res;
    },
    calls: () => calls,
  };
  try {
    const mapped = await deps.externalIds.get(run.key);
    if (mapped?.state === 'mapped' && mapped.providerId) return await update(run, mapped.providerId);
    if (op.mode === 'update') {
      // The create may still be queued or running: another delivery later, the DLQ after the last.
      throw new IntegrationError(
        'retryable',
        mapped
          ? `${run.what} is being created by command ${mapped.owner}`
          : `no ${provider} id is mapped to ${op.entity} ${input.ref} yet`,
      );
    }
    const claim = await deps.externalIds.claim(run.key, commandId, new Date(deps.time.now()));
    if (claim.kind === 'mapped') return await update(run, claim.providerId);
    if (claim.kind === 'busy')
      throw new IntegrationError('retryable', `${run.what} is being created by command ${claim.owner}`);
    return await create(run, claim);
  } catch (err) {
    // The calls made before a failure still count in the command's outcome.
    if (!(err instanceof IntegrationError)) throw err;
    throw new IntegrationError(err.kind, err.message, {
      status: err.status,
      requestId: err.requestId,
      attempts: err.attempts,
      resumeAt: err.resumeAt,
      details: { ...err.details, providerCalls: calls },
    });
  }
}
