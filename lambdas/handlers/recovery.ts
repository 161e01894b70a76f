import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { JsonDocumentClient } from '../adapters/dynamodb-json';
import { S3RestBlobs } from '../adapters/s3-rest';
import { AwsSecretStore } from '../adapters/secrets';
import { sqsSender } from '../adapters/sqs-sender';
import { DynamoSyncState } from '../adapters/sync-state';
import type { Client } from '../core/client';
import { IntegrationError } from '../core/errors';
import type { BlobStore, QueueSender, SecretStore, Telemetry } from '../core/ports';
import { runRecovery } from '../core/recover/run-recovery';
import type { RunSummary } from '../core/sync/summary';
import type { SyncStateStore } from '../core/sync/state';
import { getProvider } from '../providers';
import type { ProviderDefinition, Registry } from '../core/provider';
import { awsTelemetry, ENV, once, required } from './shared/lambda-init';
import { apiNoticesSettled, providerClient } from './shared/provider-clients';
import { eventRange, pagePositionSchema } from './shared/sync-event';

/**
 * What invokes the recovery function: EventBridge Scheduler sends `{ provider, recovery }` (a scheduled run); the
 * sync CLI (`--recover --aws`) sends a span with `from`/`to` (ISO), and `start` with `target` to continue one.
 */
export const recoveryEventSchema = z.object({
  provider: z.string(),
  recovery: z.string(),
  from: z.optional(z.string()),
  to: z.optional(z.string()),
  start: z.optional(pagePositionSchema),
  target: z.optional(z.string()),
});
export type RecoveryEvent = z.infer<typeof recoveryEventSchema>;

export type RecoveryHandler = (event: RecoveryEvent, context: Context) => Promise<RunSummary>;

export interface RecoveryDeps {
  registry: Registry;
  clientFor(definition: ProviderDefinition): Client;
  state: SyncStateStore;
  /** The provider's webhook queue (the processor's). */
  queueFor(provider: string): QueueSender | undefined;
  /** Claim check for bodies too big for a message. */
  blobs?: BlobStore;
  /** Where recoveries with targets find them (GitHub's hooks, Trello's boards). */
  secrets: SecretStore;
  telemetry: Telemetry;
  now(): number;
  newId?(): string;
  flush?(): void;
}

/** The recovery an event names, with its span; a permanent error for anything this function cannot run. */
function readRecoveryEvent(event: RecoveryEvent, registry: Registry) {
  const parsed = z.safeParse(recoveryEventSchema, event);
  if (!parsed.success)
    throw new IntegrationError(
      'invalid_payload',
      'recovery event must be { provider, recovery, from?, to?, start?, target? }',
    );
  const { provider: name, recovery: recoveryName, from, to, start, target } = parsed.data;
  const provider = registry(name);
  const recovery = provider?.recover?.find((r) => r.name === recoveryName);
  if (!provider || !recovery) throw new IntegrationError('invalid_payload', `unknown recovery ${name}/${recoveryName}`);
  if (start && recovery.targets && target === undefined)
    throw new IntegrationError('invalid_payload', 'start needs the target it continues');
  return { provider, recovery, range: eventRange(from, to), start, target };
}

/**
 * The recovery Lambda: one run of one recovery of one provider (see runRecovery), bounded by the invocation's time;
 * what it reads back goes to the provider's webhook queue (or is redelivered by the provider). An event naming no
 * known recovery is a permanent error: the invocation fails and lands in the scheduler DLQ with its reason.
 *
 * @example
 * const handle = createRecoveryHandler({ registry: getProvider, clientFor, state, queueFor, secrets, telemetry, now: Date.now });
 * const summary = await handle({ provider: 'stripe', recovery: 'events' }, context);
 */
export function createRecoveryHandler(deps: RecoveryDeps): RecoveryHandler {
  return async (event, context) => {
    try {
      const { provider, recovery, range, start, target } = readRecoveryEvent(event, deps.registry);
      const queue = deps.queueFor(provider.name);
      if (!queue) throw new IntegrationError('invalid_payload', `no webhook queue for ${provider.name}`);
      const newId = deps.newId ?? randomUUID;
      return await runRecovery(
        { provider, recovery, range, start, target },
        {
          client: deps.clientFor(provider),
          state: deps.state,
          queue,
          blobs: deps.blobs,
          secrets: deps.secrets,
          newId,
          telemetry: deps.telemetry,
          now: deps.now,
          remainingMs: () => context.getRemainingTimeInMillis(),
          traceId: `${context.awsRequestId || newId()}`,
        },
      );
    } finally {
      deps.flush?.();
    }
  };
}

const aws = once(() => {
  const telemetry = awsTelemetry('recovery');
  const doc = new JsonDocumentClient();
  const provider = required(ENV.provider);
  const queue = sqsSender(required(ENV.queueUrl));
  const bucket = process.env[ENV.blobBucket];
  const secrets = new AwsSecretStore(required(ENV.secretPrefix), {
    maxAgeSeconds: Number(process.env[ENV.secretsMaxAge] ?? 300),
  });
  return createRecoveryHandler({
    // One function per provider: its own recoveries, secrets, queue and key prefixes only.
    registry: (name) => (name === provider ? getProvider(name) : undefined),
    clientFor: (definition) => providerClient(definition, { telemetry, doc, secrets }),
    state: new DynamoSyncState(doc, {
      checkpoints: required(ENV.checkpointsTable),
      gaps: required(ENV.gapsTable),
      quarantine: required(ENV.quarantineTable),
    }),
    queueFor: (name) => (name === provider ? queue : undefined),
    blobs: bucket ? new S3RestBlobs(bucket) : undefined,
    secrets,
    telemetry,
    now: Date.now,
    flush: () => telemetry.flush(),
  });
});

export const handler: RecoveryHandler = async (event, context) => {
  try {
    return await aws()(event, context);
  } finally {
    await apiNoticesSettled();
  }
};
