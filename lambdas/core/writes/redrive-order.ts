import type { Registry } from '../provider';
import { commandFromMessage } from './command';
import type { ExternalIdStore } from './external-ids';
import { resolveCommand } from './resolve';

/** A command DLQ message, as read for a redrive. */
export interface DeadCommandMessage {
  messageId: string;
  body: string;
}

/** The order a command DLQ goes back in: each phase after the previous one has run. */
export interface RedrivePhases {
  /** Creates that still hold their entity's claim (outcome unknown): the commands in `rest` may wait for them. */
  claims: { messageId: string; commandId: string }[];
  /** Every other message (updates, creates without a claim, unreadable ones: they dead-letter again at once). */
  rest: { messageId: string; commandId?: string }[];
}

/**
 * Sorts a command DLQ for a redrive by the writes' rule (docs/writes.md, "External ids"): a create dead-lettered with
 * an unknown outcome keeps its claim on the entity, and any other command for that entity waits for it. So the
 * claim holders go back first, the rest once they have run.
 *
 * @example
 * const { claims, rest } = await redrivePhases(messages, { registry: getProvider, externalIds });
 */
export async function redrivePhases(
  messages: readonly DeadCommandMessage[],
  deps: { registry: Registry; externalIds: Pick<ExternalIdStore, 'get'> },
): Promise<RedrivePhases> {
  const phases: RedrivePhases = { claims: [], rest: [] };
  for (const m of messages) {
    let holds: string | undefined;
    let commandId: string | undefined;
    try {
      const command = commandFromMessage(m.body);
      commandId = command.commandId;
      const { definition, operation, input } = resolveCommand(command, deps.registry);
      const key = { provider: definition.name, entity: operation.entity, ref: input.ref };
      const mapping = operation.mode === 'create' ? await deps.externalIds.get(key) : undefined;
      if (mapping?.state === 'creating' && mapping.owner === command.commandId) holds = command.commandId;
    } catch {
      // unreadable or unknown: it goes back with the rest and its reason shows again
    }
    if (holds) phases.claims.push({ messageId: m.messageId, commandId: holds });
    else phases.rest.push({ messageId: m.messageId, commandId });
  }
  return phases;
}
