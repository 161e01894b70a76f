import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoCommandRuns } from '../adapters/command-store';
import { createDocumentClient, createDynamoClient } from '../adapters/dynamodb';
import { DynamoExternalIdStore } from '../adapters/external-id-store';
import { sqsSender } from '../adapters/sqs-sender';
import { realTime, type RequestClient, type Time } from '../core/client';
import { describeError, IntegrationError, isPermanent } from '../core/errors';
import { emitMetric, METRIC } from '../core/metrics';
import type { QueueSender, Telemetry } from '../core/ports';
import { CMD_ATTR, commandFromMessage, type Command } from '../core/writes/command';
import type { ExternalIdStore } from '../core/writes/external-ids';
import type { CommandRunStore } from '../core/writes/outcomes';
import type { WriteResult } from '../core/writes/perform-write';
import { resolveCommand, type Resolved } from '../core/writes/resolve';
import { outcomeBase, runCommand } from '../core/writes/run-command';
import type { Registry } from '../core/provider';
import { getProvider } from '../providers';
import { apiNoticesSettled, providerRequestClient } from './client-wiring';
import { awsTelemetry, ENV, once, required } from './wiring';
import { deadLetter, messageAttributes } from './dead-letter';

export type WriterHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface WriterDeps {
  registry: Registry;
  /** The outbound client of a provider this writer serves; undefined for any other. */
  clientFor(provider: string): RequestClient | undefined;
  externalIds: ExternalIdStore;
  outcomes: CommandRunStore;
  persistenceStore: BasePersistenceLayer;
  /** The command queue's DLQ: permanent failures and last attempts go there with their reason. */
  dlq?: QueueSender;
  maxReceiveCount: number;
  telemetry: Telemetry;
  /** The clients' clock (waits between reconcile rounds, outcome timestamps). */
  time: Time;
  /** How long a done command id is remembered (default 7 days). */
  idempotencySeconds?: number;
  flush?(): void;
}

type Done = WriteResult & { commandId: string; replayed?: boolean };

/** Powertools idempotency errors as the writer's: another input under the same id is permanent; a running twin is retried. */
function translate(err: unknown, commandId: string): unknown {
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

/**
 * The command-writer Lambda: SQS batches with partial failures; each command runs once (Powertools
 * idempotency on `provider#commandId`, the input hash validated, so the same id with another input is a
 * permanent error), performed through the provider's client with the external-id mapping. A permanent
 * failure goes to the DLQ at once with its reason; a retryable one is redelivered, and dead-lettered by the
 * writer itself on the last receive.
 *
 * @example
 * const handle = createWriterHandler({ registry: getProvider, clientFor, externalIds, outcomes, persistenceStore, dlq, maxReceiveCount: 5, telemetry, time: realTime });
 * const { batchItemFailures } = await handle(sqsEvent, context);
 */
export function createWriterHandler(deps: WriterDeps): WriterHandler {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    payloadValidationJmesPath: 'inputHash',
    expiresAfterSeconds: deps.idempotencySeconds ?? 7 * 86_400,
    responseHook: (response) => ({ ...(response as Record<string, unknown>), replayed: true }) as typeof response,
  });
  // The key and hash come from the first argument; the resolved command and the invocation's context (the
  // client's deadline follows it) pass through.
  const runOnce = makeIdempotent(
    async (
      run: { idempotencyKey: string; inputHash: string; command: Command },
      resolved: Resolved,
      context: Context,
    ): Promise<Done> => {
      const client = deps.clientFor(run.command.provider);
      if (!client)
        throw new IntegrationError('permanent', `this writer does not serve ${run.command.provider}`, {
          details: { reason: 'unknown_provider' },
        });
      const result = await runCommand(
        run.command,
        resolved,
        { remainingMs: () => context.getRemainingTimeInMillis() },
        { ...deps, client },
      );
      return { commandId: run.command.commandId, ...result };
    },
    { persistenceStore: deps.persistenceStore, config, keyPrefix: 'command', dataIndexArgument: 0 },
  );

  const handleRecord = async (record: SQSRecord, context: Context): Promise<Done | { deadLettered: true }> => {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 1);
    const attrs = messageAttributes(record);
    let command: Command | undefined;
    let resolved: Resolved | undefined;
    const log = (): Record<string, unknown> => ({
      provider: command?.provider ?? attrs[CMD_ATTR.provider],
      command_id: command?.commandId ?? attrs[CMD_ATTR.commandId],
      operation: command?.operation ?? attrs[CMD_ATTR.operation],
      trace_id: command?.correlationId ?? command?.commandId ?? attrs[CMD_ATTR.traceId],
      message_id: record.messageId,
      attempt: receiveCount,
    });
    try {
      command = commandFromMessage(record.body);
      resolved = resolveCommand(command, deps.registry);
      const base = outcomeBase(command, resolved);
      const result = await runOnce(
        { idempotencyKey: `${command.provider}#${command.commandId}`, inputHash: base.inputHash, command },
        resolved,
        context,
      );
      if (result.replayed)
        deps.telemetry.log('info', 'command already done, skipped', {
          ...log(),
          action: result.action,
          provider_id: result.providerId,
        });
      else
        deps.telemetry.log('info', 'command done', {
          ...log(),
          action: result.action,
          provider_id: result.providerId,
          provider_calls: result.providerCalls,
        });
      return result;
    } catch (caught) {
      const err = command ? translate(caught, command.commandId) : caught;
      const { kind, message } = describeError(err);
      const reason = err instanceof IntegrationError ? err.details?.reason : undefined;
      const final = isPermanent(err) || receiveCount >= deps.maxReceiveCount;
      const dims = {
        provider: command?.provider ?? attrs[CMD_ATTR.provider] ?? 'unknown',
        operation: command?.operation ?? 'unknown',
      };
      // The outcome of an id that belongs to another input, or of a twin still running, is not this delivery's to write.
      const owned = command && reason !== 'input_mismatch' && reason !== 'in_progress';
      const status = final ? 'failed' : 'retrying';
      const calls = err instanceof IntegrationError ? Number(err.details?.providerCalls ?? 0) : 0;
      if (owned)
        await deps.outcomes
          .fail(outcomeBase(command!, resolved), status, { kind, message }, calls, new Date(deps.time.now()))
          .catch(() => undefined);
      if (final && (await deadLetter(deps.dlq, record, err, receiveCount))) {
        emitMetric(deps.telemetry, METRIC.CommandsFailed, 1, 'Count', dims);
        deps.telemetry.log('error', 'command moved to DLQ', { ...log(), error_code: kind, error_message: message });
        return { deadLettered: true };
      }
      emitMetric(deps.telemetry, METRIC.CommandsRetried, 1, 'Count', dims);
      deps.telemetry.log('warn', 'command failed, will retry', { ...log(), error_code: kind, error_message: message });
      throw err;
    }
  };

  return async (event, context) => {
    config.registerLambdaContext(context);
    const processor = new BatchProcessor(EventType.SQS);
    try {
      return await processPartialResponse(event, (record: SQSRecord) => handleRecord(record, context), processor, {
        context,
        throwOnFullBatchFailure: false,
      });
    } finally {
      deps.flush?.();
    }
  };
}

const aws = once(() => {
  const telemetry = awsTelemetry('command-writer');
  const provider = required(ENV.provider);
  const definition = getProvider(provider);
  const dynamo = createDynamoClient();
  const doc = createDocumentClient(dynamo);
  const client = definition ? providerRequestClient(definition, { telemetry, doc }) : undefined;
  return createWriterHandler({
    // One function per provider: it holds only that provider's credentials.
    registry: (name) => (name === provider ? definition : undefined),
    clientFor: (name) => (name === provider ? client : undefined),
    externalIds: new DynamoExternalIdStore(doc, required(ENV.externalIdsTable)),
    outcomes: new DynamoCommandRuns(doc, required(ENV.commandsTable)),
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: required(ENV.idempotencyTable),
      awsSdkV3Client: dynamo,
    }),
    dlq: sqsSender(required(ENV.dlqUrl)),
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
