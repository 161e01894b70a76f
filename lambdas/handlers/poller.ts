import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { createDocumentClient, createDynamoClient } from '../adapters/dynamodb';
import { DynamoRecordStore } from '../adapters/record-store';
import { DynamoSyncState } from '../adapters/sync-state';
import type { Client } from '../core/client';
import { IntegrationError } from '../core/errors';
import type { Telemetry } from '../core/ports';
import type { SyncRecordStore } from '../core/records';
import { runPoll, type RunSummary } from '../core/sync/run-poll';
import type { SyncStateStore } from '../core/sync/state';
import { instant } from '../core/sync/windows';
import { getProvider } from '../providers';
import type { ProviderDefinition, Registry } from '../core/provider';
import { apiNoticesSettled, providerClient } from './shared/provider-clients';
import { awsTelemetry, ENV, once, required } from './shared/lambda-init';

/**
 * What invokes the poller: EventBridge Scheduler sends `{ provider, poll }` (a scheduled run); the sync
 * CLI (`--aws`) sends one window with `from`/`to` (ISO), and `start` to continue a window a run left.
 */
export const pollEventSchema = z.object({
  provider: z.string(),
  poll: z.string(),
  from: z.optional(z.string()),
  to: z.optional(z.string()),
  start: z.optional(
    z.object({
      page: z.optional(z.number()),
      offset: z.optional(z.number()),
      cursor: z.optional(z.string()),
      url: z.optional(z.string()),
    }),
  ),
});
export type PollEvent = z.infer<typeof pollEventSchema>;

export type PollerHandler = (event: PollEvent, context: Context) => Promise<RunSummary>;

export interface PollerDeps {
  registry: Registry;
  /** The provider's outbound client (one per provider per process). */
  clientFor(definition: ProviderDefinition): Client;
  records: SyncRecordStore;
  state: SyncStateStore;
  telemetry: Telemetry;
  now(): number;
  newId?(): string;
  /** Starts polls here instead of their definition's start date (the local stack starts a few days back). */
  startAt?: (provider: string, poll: string) => number | undefined;
  flush?(): void;
}

/**
 * The poller Lambda: one run of one poll (see runPoll), bounded by the invocation's remaining time.
 * An event naming no known provider or poll is a permanent error: the invocation fails and, after
 * the async retries, lands in the scheduler DLQ with its reason.
 *
 * @example
 * const handle = createPollerHandler({ registry: getProvider, clientFor, records, state, telemetry, now: Date.now });
 * const summary = await handle({ provider: 'football', poll: 'fixtures' }, context);
 */
export function createPollerHandler(deps: PollerDeps): PollerHandler {
  return async (event, context) => {
    try {
      const parsed = z.safeParse(pollEventSchema, event);
      if (!parsed.success)
        throw new IntegrationError('invalid_payload', 'poller event must be { provider, poll, from?, to?, start? }');
      const { provider: name, poll: pollName, from, to, start } = parsed.data;
      const provider = deps.registry(name);
      const poll = provider?.polls?.find((p) => p.name === pollName);
      if (!provider || !poll) throw new IntegrationError('invalid_payload', `unknown poll ${name}/${pollName}`);
      if ((from === undefined) !== (to === undefined))
        throw new IntegrationError('invalid_payload', 'from and to go together');
      let range: { from: number; to: number } | undefined;
      try {
        range = from !== undefined && to !== undefined ? { from: instant(from), to: instant(to) } : undefined;
      } catch (err) {
        throw new IntegrationError('invalid_payload', (err as Error).message);
      }
      return await runPoll(
        { provider, poll, range, start, startAt: deps.startAt?.(name, pollName) },
        {
          client: deps.clientFor(provider),
          records: deps.records,
          state: deps.state,
          telemetry: deps.telemetry,
          now: deps.now,
          remainingMs: () => context.getRemainingTimeInMillis(),
          traceId: `${context.awsRequestId || (deps.newId ?? randomUUID)()}`,
        },
      );
    } finally {
      deps.flush?.();
    }
  };
}

const aws = once(() => {
  const telemetry = awsTelemetry('poller');
  const doc = createDocumentClient(createDynamoClient());
  return createPollerHandler({
    // One function per provider: it runs and can read only its own provider's polls and secrets.
    registry: (name) => (name === required(ENV.provider) ? getProvider(name) : undefined),
    clientFor: (definition) => providerClient(definition, { telemetry, doc }),
    records: new DynamoRecordStore(doc, required(ENV.recordsTable)),
    state: new DynamoSyncState(doc, {
      checkpoints: required(ENV.checkpointsTable),
      gaps: required(ENV.gapsTable),
      quarantine: required(ENV.quarantineTable),
    }),
    telemetry,
    now: Date.now,
    flush: () => telemetry.flush(),
  });
});

export const handler: PollerHandler = async (event, context) => {
  try {
    return await aws()(event, context);
  } finally {
    // Endpoint and deprecation records are written in the background; finish them before Lambda freezes.
    await apiNoticesSettled();
  }
};
