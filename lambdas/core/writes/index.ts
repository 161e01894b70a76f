/** Outbound writes: commands, the external-id mapping, outcomes, and the engine that performs them once. */
export {
  COMMAND_ID,
  CMD_ATTR,
  refSchema,
  parseCommand,
  commandFromMessage,
  inputHash,
  describeIssues,
  type Command,
} from './command';
export {
  writeOperation,
  type Call,
  type FindByRef,
  type FindContext,
  type Reconcile,
  type WriteInput,
  type WriteOperation,
  type WritesSpec,
} from './types';
export { entityKey, type Claim, type EntityKey, type ExternalId, type ExternalIdStore } from './external-ids';
export type {
  CommandOutcome,
  CommandOutcomeStore,
  CommandRunStore,
  CommandStatus,
  OutcomeBase,
  WriteAction,
} from './outcomes';
export { resolveCommand, rejectReason, type RejectReason, type Resolved } from './resolve';
export { performWrite, type PerformDeps, type WriteRequest, type WriteResult } from './perform-write';
export { runCommand, outcomeBase, type RunDeps } from './run-command';
export { acceptCommand, toCommandMessage, type AcceptDeps, type AcceptRequest, type AcceptResponse } from './accept';
export { redrivePhases, type DeadCommandMessage, type RedrivePhases } from './redrive-order';
