import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { JsonDocumentClient } from '../adapters/dynamodb-json';
import { AwsSecretStore } from '../adapters/secrets';
import { DynamoRecordStore } from '../adapters/record-store';
import { DynamoSyncState } from '../adapters/sync-state';
import type { Client } from '../core/client';
import { IntegrationError } from '../core/errors';
import type { SecretStore, Telemetry } from '../core/ports';
import type { SyncRecordStore } from '../core/records';
import { runPoll, type RunSummary } from '../core/sync/run-poll';
import type { SyncStateStore } from '../core/sync/state';
import { eachTarget } from '../core/sync/targets';
import { getProvider } from '../providers';
import type { ProviderDefinition, Registry } from '../core/provider';
import { apiNoticesSettled, providerClient } from './shared/provider-clients';
import { awsTelemetry, ENV, once, required } from './shared/lambda-init';
import { eventRange, NO_SECRETS, pagePositionSchema } from './shared/sync-event';

/**
 * What invokes the poller: EventBridge Scheduler sends `{ provider, poll }` (a scheduled run); the sync
 * CLI (`--aws`) sends one window with `from`/`to` (ISO), and `start` to continue a window a run left.
 */
export const pollEventSchema = z.object({
  provider: z.string(),
  poll: z.string(),
  from: z.optional(z.string()),
  to: z.optional(z.string()),
  start: z.optional(pagePositionSchema),
  /** One target of a poll with targets (a resumed window); default all the poll's secret lists. */
  target: z.optional(z.string()),
});
export type PollEvent = z.infer<typeof pollEventSchema>;

export type PollerHandler = (event: PollEvent, context: Context) => Promise<RunSummary>;

export interface PollerDeps {
  registry: Registry;
  /** The provider's outbound client (one per provider per process). */
  clientFor(definition: ProviderDefinition): Client;
  records: SyncRecordStore;
  state: SyncStateStore;
  /** Where polls with targets find them (Trello's boards); needed only for those. */
  secrets?: SecretStore;
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
      const { provider, poll, range, start, target } = readPollEvent(event, deps.registry);
      const runDeps = {
        client: deps.clientFor(provider),
        records: deps.records,
        state: deps.state,
        telemetry: deps.telemetry,
        now: deps.now,
        remainingMs: () => context.getRemainingTimeInMillis(),
        traceId: `${context.awsRequestId || (deps.newId ?? randomUUID)()}`,
      };
      const startAt = deps.startAt?.(provider.name, poll.name);
      const targets = { secrets: deps.secrets ?? NO_SECRETS, remainingMs: runDeps.remainingMs, only: target };
      return await eachTarget(provider.name, poll, poll.name, targets, (bound) =>
        runPoll({ provider, poll: bound, range, start, startAt }, runDeps),
      );
    } finally {
      deps.flush?.();
    }
  };
}

/** The poll an event names, with its range; a permanent error for anything the poller cannot run. */
function readPollEvent(event: PollEvent, registry: Registry) {
  const parsed = z.safeParse(pollEventSchema, event);
  if (!parsed.success)
    throw new IntegrationError(
      'invalid_payload',
      'poller event must be { provider, poll, from?, to?, start?, target? }',
    );
  const { provider: name, poll: pollName, from, to, start, target } = parsed.data;
  const provider = registry(name);
  const poll = provider?.polls?.find((p) => p.name === pollName);
  if (!provider || !poll) throw new IntegrationError('invalid_payload', `unknown poll ${name}/${pollName}`);
  return { provider, poll, range: eventRange(from, to), start, target };
}

const aws = once(() => {
  const telemetry = awsTelemetry('poller');
  const doc = new JsonDocumentClient();
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
    secrets: new AwsSecretStore(required(ENV.secretPrefix), {
      maxAgeSeconds: Number(process.env[ENV.secretsMaxAge] ?? 300),
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
