import { randomUUID } from 'node:crypto';
import type { CommandOutcome, CommandOutcomeStore } from '../../lambdas/core/writes/outcomes';

export interface SentCommand {
  status: number;
  body: unknown;
}

/**
 * `ops command <provider> <operation> --input JSON [--id ID]`: sends one command to the local stack's
 * `POST /commands/<provider>` (a new id unless given, so a retry with `--id` is safe).
 *
 * @example
 * const res = await sendCommand('http://127.0.0.1:3000', 'trello', 'createCard', { ref: 'T-1', idList, name: 'Hi' });
 */
export async function sendCommand(
  url: string,
  provider: string,
  operation: string,
  input: unknown,
  opts: { id?: string; correlationId?: string } = {},
): Promise<SentCommand> {
  const body = {
    commandId: opts.id ?? randomUUID(),
    operation,
    input,
    ...(opts.correlationId ? { correlationId: opts.correlationId } : {}),
  };
  const res = await fetch(`${url}/commands/${encodeURIComponent(provider)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // API Gateway's own answers may be plain text
  }
  return { status: res.status, body: parsed };
}

export const sentText = (r: SentCommand): string =>
  `${r.status} ${typeof r.body === 'string' ? r.body : JSON.stringify(r.body)}`;

/**
 * `ops commands --provider X`: the provider's command outcomes, most recent first.
 *
 * @example
 * console.log(commandsText(await listCommands(store, 'stripe', 50)));
 */
export async function listCommands(
  store: CommandOutcomeStore,
  provider: string,
  limit = 100,
): Promise<CommandOutcome[]> {
  return store.list(provider, { limit });
}

export function commandsText(outcomes: CommandOutcome[]): string {
  const rows = outcomes.map((o) =>
    [
      o.updatedAt,
      o.status.padEnd(9),
      (o.action ?? '-').padEnd(10),
      o.commandId,
      o.operation,
      o.ref ?? '-',
      o.providerId ?? '-',
      `attempts=${o.attempts}`,
      `calls=${o.providerCalls ?? 0}`,
      o.lastError ? `${o.lastError.kind}: ${o.lastError.message}` : '',
    ]
      .join('\t')
      .trimEnd(),
  );
  return [...rows, `${outcomes.length} command(s)`].join('\n');
}
