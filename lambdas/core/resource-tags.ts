import type { TableName } from './tables';

/**
 * How the ops CLI finds a stage's queues, tables, bucket and poller in AWS: by resource tags, read in one
 * Resource Groups Tagging API call, so the lookup survives the stack splitting into several or nested stacks
 * (CloudFormation outputs would cost one per queue, of 200 a template). Every resource also carries the
 * stage's `stage` and `service` tags (lib/stage-settings.ts), which pick the stage.
 */
export const RESOURCE_TAG = {
  /** What the resource is: a QueueRole, `table:<name>`, `blobs`, `poller` or `recovery` (its DLQ: `recovery-dlq`). */
  resource: 'integration:resource',
  /** The provider it belongs to (queues and pollers). */
  provider: 'integration:provider',
} as const;

/** The queues an operator lists and redrives, per provider: `scheduler` and `recovery` are the DLQs of their schedules. */
export const QUEUE_KINDS = ['webhooks', 'commands', 'scheduler', 'recovery'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];

/**
 * A queue's tag value: a work queue (`webhooks`, `commands`) or a DLQ (`<kind>-dlq`); the poller's and the recovery's
 * schedules have only a DLQ.
 */
export type QueueRole = 'webhooks' | 'webhooks-dlq' | 'commands' | 'commands-dlq' | 'scheduler-dlq' | 'recovery-dlq';

export const dlqRole = (kind: QueueKind): QueueRole => `${kind}-dlq`;

/** The tag value of a table: `table:records`. */
export const tableRole = (name: TableName): string => `table:${name}`;

export const BLOBS_ROLE = 'blobs';
export const POLLER_ROLE = 'poller';
export const RECOVERY_ROLE = 'recovery';
/** A recovery's scheduler DLQ: apart from the poller's, which a provider with both (Trello) also has. */
export const RECOVERY_DLQ_ROLE: QueueRole = 'recovery-dlq';
