import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoCommandRuns } from '../adapters/command-store';
import { JsonDocumentClient } from '../adapters/dynamodb-json';
import { DocumentPersistenceLayer } from '../adapters/idempotency-store';
import { DynamoExternalIdStore } from '../adapters/external-id-store';
import { sqsRetryDelay, sqsSender } from '../adapters/sqs-sender';
import { realTime, type RequestClient, type Time } from '../core/client';
import { describeError, IntegrationError } from '../core/errors';
import { type Delivery, isFinalAttempt, retryDelaySeconds, settleFailure } from '../core/failure-policy';
import { idempotencyPrefix } from '../core/idempotency-prefix';
import { emitMetric, METRIC } from '../core/metrics';
import type { QueueSender, RetryDelay, Telemetry } from '../core/ports';
import type { Registry } from '../core/provider';
import { CMD_ATTR, commandFromMessage, type Command } from '../core/writes/command';
import {
  commandIdempotencyKey,
  fromIdempotencyError,
  ownsOutcome,
  providerCallsOf,
} from '../core/writes/command-failure';
import type { ExternalIdStore } from '../core/writes/external-ids';
import type { CommandRunStore } from '../core/writes/outcomes';
import type { WriteResult } from '../core/writes/perform-write';
import { resolveCommand, type Resolved } from '../core/writes/resolve';
import { outcomeBase, runCommand } from '../core/writes/run-command';
import { getProvider } from '../providers';
import { apiNoticesSettled, providerRequestClient } from './shared/provider-clients';
import { deliveryOf } from './shared/sqs-record';
import { awsTelemetry, ENV, once, required } from './shared/lambda-init';

export type WriterHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface WriterDeps {
  /** The provider this function serves (one function per provider, as in Lambda): it leads every idempotency key. */
  provider: string;
  registry: Registry;
  /** The outbound client of a provider this writer serves; undefined for any other. */
  clientFor(provider: string): RequestClient | undefined;
  externalIds: ExternalIdStore;
  outcomes: CommandRunStore;
  persistenceStore: BasePersistenceLayer;
  /** The command queue's DLQ: permanent failures and last attempts go there with their reason. */
  dlq?: QueueSender;
  /**
   * Hides a failed command until the time its error names (a rate limit's, ours or the provider's), so it comes back
   * when there is room instead of after the queue's visibility timeout, and spends no receives before then.
   */
  retryDelay?: RetryDelay;
  maxReceiveCount: number;
  telemetry: Telemetry;
  /** The clients' clock (waits between reconcile rounds, outcome timestamps). */
  time: Time;
  /** How long a done command id is remembered (default 7 days). */
  idempotencySeconds?: number;
  flush?(): void;
}

type Done = WriteResult & { commandId: string; replayed?: boolean };
/** The idempotent run's first argument: Powertools reads the key and the input hash from it. */
type CommandRun = { idempotencyKey: string; inputHash: string; command: Command };
type RunOnce = (run: CommandRun, resolved: Resolved, context: Context) => Promise<Done>;

/**
 * The command-writer Lambda: SQS batches with partial failures; each command runs once (Powertools
 * idempotency on `provider#commandId`, the input hash validated, so the same id with another input is a
 * permanent error), performed through the provider's client with the external-id mapping. A permanent
 * failure goes to the DLQ at once with its reason; a retryable one is redelivered, and dead-lettered by the
 * writer itself on the last receive.
 *
 * @example
 * const handle = createWriterHandler({ provider: 'trello', registry: getProvider, clientFor, externalIds, outcomes, persistenceStore, dlq, maxReceiveCount: 5, telemetry, time: realTime });
 * const { batchItemFailures } = await handle(sqsEvent, context);
 */
export function createWriterHandler(deps: WriterDeps): WriterHandler {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    payloadValidationJmesPath: 'inputHash',
    expiresAfterSeconds: deps.idempotencySeconds ?? 7 * 86_400,
    responseHook: (response) => ({ ...(response as Record<string, unknown>), replayed: true }) as typeof response,
  });
  // The resolved command and the invocation's context (the client's deadline follows it) pass through.
  const runOnce: RunOnce = makeIdempotent(performCommand(deps), {
    persistenceStore: deps.persistenceStore,
    config,
    keyPrefix: idempotencyPrefix(deps.provider, 'command'),
    dataIndexArgument: 0,
  });
  return async (event, context) => {
    config.registerLambdaContext(context);
    const processor = new BatchProcessor(EventType.SQS);
    try {
      return await processPartialResponse(
        event,
        (record: SQSRecord) => handleCommand(record, context, runOnce, deps),
        processor,
        { context, throwOnFullBatchFailure: false },
      );
    } finally {
      deps.flush?.();
    }
  };
}

/** Performs one command through its provider's client: the part that runs once per command id. */
function performCommand(deps: WriterDeps): RunOnce {
  return async (run, resolved, context) => {
    const client = deps.clientFor(run.command.provider);
    if (!client)
      throw new IntegrationError('permanent', `this writer does not serve ${run.command.provider}`, {
        details: { reason: 'unknown_provider' },
      });
    const ctx = { remainingMs: () => context.getRemainingTimeInMillis() };
    const result = await runCommand(run.command, resolved, ctx, { ...deps, client });
    return { commandId: run.command.commandId, ...result };
  };
}

/** What the writer knows of one record so far: the command and its operation once read and resolved. */
interface Attempt {
  record: SQSRecord;
  delivery: Delivery;
  command?: Command;
  resolved?: Resolved;
}

function logFields({ record, delivery, command }: Attempt): Record<string, unknown> {
  const attrs = delivery.attributes;
  return {
    provider: command?.provider ?? attrs[CMD_ATTR.provider],
    command_id: command?.commandId ?? attrs[CMD_ATTR.commandId],
    operation: command?.operation ?? attrs[CMD_ATTR.operation],
    trace_id: command?.correlationId ?? command?.commandId ?? attrs[CMD_ATTR.traceId],
    message_id: record.messageId,
    attempt: delivery.receiveCount,
  };
}

/** One record: read and resolve its command, run it once; a failure goes through failCommand. */
async function handleCommand(
  record: SQSRecord,
  context: Context,
  runOnce: RunOnce,
  deps: WriterDeps,
): Promise<Done | { deadLettered: true }> {
  const attempt: Attempt = { record, delivery: deliveryOf(record) };
  try {
    const command = commandFromMessage(record.body);
    attempt.command = command;
    const resolved = resolveCommand(command, deps.registry);
    attempt.resolved = resolved;
    const { inputHash } = outcomeBase(command, resolved);
    const result = await runOnce(
      { idempotencyKey: commandIdempotencyKey(command), inputHash, command },
      resolved,
      context,
    );
    const fields = { ...logFields(attempt), action: result.action, provider_id: result.providerId };
    if (result.replayed) deps.telemetry.log('info', 'command already done, skipped', fields);
    else deps.telemetry.log('info', 'command done', { ...fields, provider_calls: result.providerCalls });
    return result;
  } catch (caught) {
    return failCommand(attempt, caught, deps);
  }
}

/** Records a failed command's outcome (failed when final, else retrying), then applies the failure policy. */
async function failCommand(attempt: Attempt, caught: unknown, deps: WriterDeps): Promise<{ deadLettered: true }> {
  const { command, delivery } = attempt;
  const err = command ? fromIdempotencyError(caught, command.commandId) : caught;
  const { kind, message } = describeError(err);
  if (command && ownsOutcome(err)) {
    const status = isFinalAttempt(err, delivery.receiveCount, deps.maxReceiveCount) ? 'failed' : 'retrying';
    const at = new Date(deps.time.now());
    await deps.outcomes
      .fail(outcomeBase(command, attempt.resolved), status, { kind, message }, providerCallsOf(err), at)
      .catch(() => undefined);
  }
  const dims = {
    provider: command?.provider ?? delivery.attributes[CMD_ATTR.provider] ?? 'unknown',
    operation: command?.operation ?? 'unknown',
  };
  const fields = { ...logFields(attempt), error_code: kind, error_message: message };
  if ((await settleFailure(delivery, err, deps)) === 'dead-lettered') {
    emitMetric(deps.telemetry, METRIC.CommandsFailed, 1, 'Count', dims);
    deps.telemetry.log('error', 'command moved to DLQ', fields);
    return { deadLettered: true };
  }
  emitMetric(deps.telemetry, METRIC.CommandsRetried, 1, 'Count', dims);
  const delay = retryDelaySeconds(err, deps.time.now());
  // Best effort: without it the message comes back after the queue's visibility timeout.
  if (delay !== undefined) await deps.retryDelay?.delay(attempt.record.receiptHandle, delay).catch(() => undefined);
  deps.telemetry.log('warn', 'command failed, will retry', { ...fields, ...(delay ? { retry_in_s: delay } : {}) });
  throw err;
}

const aws = once(() => {
  const telemetry = awsTelemetry('command-writer');
  const provider = required(ENV.provider);
  const definition = getProvider(provider);
  const doc = new JsonDocumentClient();
  const client = definition ? providerRequestClient(definition, { telemetry, doc }) : undefined;
  return createWriterHandler({
    provider,
    // One function per provider: it holds only that provider's credentials.
    registry: (name) => (name === provider ? definition : undefined),
    clientFor: (name) => (name === provider ? client : undefined),
    externalIds: new DynamoExternalIdStore(doc, required(ENV.externalIdsTable)),
    outcomes: new DynamoCommandRuns(doc, required(ENV.commandsTable)),
    persistenceStore: new DocumentPersistenceLayer({ tableName: required(ENV.idempotencyTable), doc }),
    dlq: sqsSender(required(ENV.dlqUrl)),
    retryDelay: sqsRetryDelay(required(ENV.queueUrl)),
    maxReceiveCount: Number(process.env[ENV.maxReceiveCount] ?? 5),
    telemetry,
    time: realTime,
    flush: () => telemetry.flush(),
  });
});

export const handler: WriterHandler = async (event, context) => {
  try {
    return await aws()(event, context);
  } finally {
    // Endpoint and deprecation records are written in the background; finish them before Lambda freezes.
    await apiNoticesSettled();
  }
};
