import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Rng } from './random';

export interface DynamoFaultOptions {
  /**
   * Share of PutItem/UpdateItem attempts that DynamoDB answers with throttling or an internal error (the SDK retries
   * them).
   */
  failRate: number;
  /** Share of PutItem/UpdateItem calls that fail past the SDK's retries: the handler sees the error. */
  surfacedRate: number;
  /** Tables never failed (best-effort writes, e.g. API notices). */
  spare?: string[];
  /**
   * Processor crashes: this many webhook record writes (records table, not polled records) hang for
   * `hangMs` and then fail, as a frozen process that Lambda kills at its timeout: the whole batch comes
   * back after the visibility timeout, some of it already applied.
   */
  crashes: number;
  /** One crash at most every this many record writes. */
  crashEvery: number;
  hangMs: number;
  recordsTable: string;
}

export interface DynamoFaultStats {
  writes: number;
  /** Attempts answered with an error the SDK retried. */
  failed: number;
  /** Calls that failed past the SDK's retries. */
  surfaced: number;
  crashes: number;
}

const FAILS = new Set(['PutItemCommand', 'UpdateItemCommand']);

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : (v as { S?: string } | undefined)?.S);

/**
 * DynamoDB write failures, injected in the SDK client's middleware (the adapters' side of the wire, never
 * in core): a seeded share of write attempts fail with the errors DynamoDB answers under load (throttling,
 * internal errors), which the SDK retries; a smaller share fail past those retries, so the handler sees
 * them; and a few webhook record writes hang past the processor's timeout.
 *
 * @example
 * const faults = injectDynamoFaults(stack.dynamo.client, rng, { failRate: 0.05, surfacedRate: 0.01, crashes: 4, crashEvery: 500, hangMs: 5200, recordsTable: 'records' });
 * // ... run ...; faults.stop(); faults.stats // { writes, failed, surfaced, crashes }
 */
export function injectDynamoFaults(
  client: DynamoDBClient,
  rng: Rng,
  opts: DynamoFaultOptions,
): { stats: DynamoFaultStats; stop(): void } {
  const stats: DynamoFaultStats = { writes: 0, failed: 0, surfaced: 0, crashes: 0 };
  const spare = new Set(opts.spare ?? []);
  let on = true;
  let recordWrites = 0;
  let nextCrash = rng.int(1, opts.crashEvery);
  const targeted = (commandName: unknown, input: { TableName?: string }) =>
    on && FAILS.has(String(commandName)) && !spare.has(input.TableName ?? '');
  const error = (surfaced: boolean) => {
    const fault = {
      message: `chaos: injected DynamoDB write failure${surfaced ? ' (past the SDK retries)' : ''}`,
      $metadata: { httpStatusCode: 500 },
    };
    return rng.chance(0.7)
      ? new ProvisionedThroughputExceededException({ ...fault, $metadata: { httpStatusCode: 400 } })
      : new InternalServerError(fault);
  };
  // Before the SDK's retries: the failure reaches the handler, as one that outlasts them would; and the crashes.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string; Item?: Record<string, unknown> };
      if (!targeted(context.commandName, input)) return next(args);
      stats.writes += 1;
      const webhookRecord =
        input.TableName === opts.recordsTable && !(text(input.Item?.pk) ?? '').startsWith('football#');
      if (webhookRecord) recordWrites += 1;
      if (webhookRecord && stats.crashes < opts.crashes && recordWrites >= nextCrash) {
        stats.crashes += 1;
        nextCrash = recordWrites + rng.int(Math.ceil(opts.crashEvery / 2), opts.crashEvery);
        await new Promise((resolve) => setTimeout(resolve, opts.hangMs));
        throw new Error('chaos: the process was frozen here and killed at its timeout');
      }
      if (rng.chance(opts.surfacedRate)) {
        stats.surfaced += 1;
        throw error(true);
      }
      return next(args);
    },
    { step: 'initialize', name: 'chaosDynamoSurfacedFaults', priority: 'high' },
  );
  // Inside the SDK's retries (after its retry middleware): throttling and internal errors it retries with backoff.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (targeted(context.commandName, (args.input ?? {}) as { TableName?: string }) && rng.chance(opts.failRate)) {
        stats.failed += 1;
        throw error(false);
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'chaosDynamoRetriedFaults', priority: 'low' },
  );
  return {
    stats,
    stop: () => {
      on = false;
    },
  };
}
