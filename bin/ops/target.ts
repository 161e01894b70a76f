import type { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import type { DeadLetter } from '../../lambdas/core/dead-letter-summary';
import type { ListableBlobStore, QueueMessage } from '../../lambdas/core/ports';
import type { QueueKind } from '../../lambdas/core/resource-tags';
import type { TableName } from '../../lambdas/core/tables';

/** One provider's queue of one kind: its webhooks, its commands, or its scheduled polls or recoveries (a DLQ only). */
export interface QueueRef {
  provider: string;
  kind: QueueKind;
}

/** The stack's DynamoDB tables, for the stores the ops verbs read. */
export interface OpsTables {
  doc: DynamoDBDocument;
  name(table: TableName): string;
}

/** Where ops commands act: the running local stack, or a deployed stage with `--aws`. */
export interface OpsTarget {
  /** Shown in every command's output, so nobody mistakes which stack was changed. */
  readonly where: string;
  /** Dead letters with their attributes and bodies; nothing is consumed. */
  listDlq(ref: QueueRef, limit: number): Promise<{ messages: DeadLetter[]; total: number }>;
  /** Moves the whole DLQ back to its queue; `moved` is exact locally, SQS's count on AWS. */
  redrive(ref: QueueRef, opts: { wait: boolean }): Promise<{ moved: number; status: string; handle?: string }>;
  /** Moves the named DLQ messages back to their queue, in that order; returns how many moved. */
  moveMessages(ref: QueueRef, messageIds: readonly string[]): Promise<number>;
  /** Deletes the named DLQ messages; returns how many. */
  deleteMessages(ref: QueueRef, messageIds: readonly string[]): Promise<number>;
  /** Runs one poll as its schedule would; throws when the run fails. */
  runPoll(provider: string, poll: string): Promise<void>;
  /** Runs one missed-webhook recovery as its schedule would; throws when the run fails. */
  runRecovery(provider: string, recovery: string): Promise<void>;
  /** Sends one chunk (<= 10 messages, <= 1 MiB) to the provider's webhook queue. */
  enqueue(provider: string, messages: QueueMessage[]): Promise<void>;
  /** The event archive (blob store). */
  readonly blobs: ListableBlobStore;
  /** The stack's tables. */
  tables(): OpsTables;
}
