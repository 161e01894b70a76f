import { randomUUID } from 'node:crypto';
import { DynamoCommandStore } from '../../lambdas/adapters/command-store';
import type { CommandOutcome, CommandOutcomeStore } from '../../lambdas/core/writes/outcomes';
import { UsageError } from '../cli/main';
import type { OpsVerb } from './verb';

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

export const commandVerb: OpsVerb = {
  synopsis: 'command <provider> <operation> --input JSON [--id ID]',
  summary: 'send one write command (POST /commands/<provider>); a new id unless --id',
  localOnly: true,
  options: { input: { type: 'string' }, id: { type: 'string' } },
  run: async (ctx) => {
    const provider = ctx.provider(ctx.args[0]).name;
    const operation = ctx.args[1];
    const json = ctx.option('input');
    if (!operation) throw new UsageError('missing the operation, e.g. createCard');
    if (json === undefined) throw new UsageError('missing --input JSON');
    let input: unknown;
    try {
      input = JSON.parse(json);
    } catch {
      throw new UsageError('--input must be JSON');
    }
    const res = await sendCommand(ctx.running().url, provider, operation, input, { id: ctx.option('id') });
    ctx.print(res, sentText);
    return res.status === 202 ? 0 : 1;
  },
};

export const commandsVerb: OpsVerb = {
  synopsis: 'commands --provider P',
  summary: "list the provider's command outcomes (status, provider id, attempts, last error)",
  options: { provider: { type: 'string' } },
  run: async (ctx) => {
    const provider = ctx.provider(ctx.option('provider') ?? ctx.args[0]).name;
    const { doc, name } = (await ctx.target()).tables();
    const store = new DynamoCommandStore(doc, name('commands'));
    ctx.print(await listCommands(store, provider), commandsText);
    return 0;
  },
};
