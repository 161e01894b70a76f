import { printable } from '../../lambdas/core/printable';
import { join } from 'node:path';
import { type DeadLetter, type DeadLetterSummary, deadLetterSummary } from '../../lambdas/core/dead-letter-summary';
import type { ChangeEvent } from '../../lambdas/core/changes/schema';
import { readArchive } from '../../local/event-bus';
import { positiveInt, UsageError } from '../cli/main';
import type { OpsContext, OpsVerb } from './verb';

/** One archived change event as a line: when, what, which record, its version, which fields changed, its id. */
export function changeLine(e: ChangeEvent): string {
  const d = e.detail;
  const fields = Object.keys(d.changed);
  const shown = fields.length > 4 ? `${fields.slice(0, 4).join(',')},+${fields.length - 4}` : fields.join(',');
  // Keys and field names come from providers: escaped, so none can forge a line.
  return [
    e.time,
    e['detail-type'].padEnd(22),
    d.provider,
    printable(d.key, 200),
    `v=${d.version}`,
    printable(shown, 400) || '-',
    d.eventId.slice(0, 12),
  ]
    .join('\t')
    .trimEnd();
}

function since(ctx: OpsContext): string | undefined {
  const value = ctx.option('since');
  if (value !== undefined && Number.isNaN(Date.parse(value))) throw new UsageError('--since must be an ISO date');
  return value;
}

async function admin<T>(ctx: OpsContext, method: string, path: string, body?: unknown): Promise<T> {
  const { adminUrl } = ctx.running();
  const res = await fetch(`${adminUrl}${path}`, {
    method,
    // The admin API takes JSON only, body or not (local/request-guard.ts).
    headers: method === 'GET' ? undefined : { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`local admin API ${method} ${path}: ${res.status}`);
  return (await res.json()) as T;
}

/** The change DLQ's messages (at most `limit`) and how many it holds. */
const listDlq = (ctx: OpsContext, limit: number) =>
  admin<{ messages: DeadLetter[]; total: number }>(ctx, 'GET', `/_local/changes/dlq?limit=${limit}`);

const dlqLine = (m: DeadLetterSummary) =>
  `${m.sentAt}  ${printable(m.messageId, 100)}  ${printable(m.eventId ?? '-', 200)}  ${printable(m.failureKind ?? '?', 64)}: ${printable(m.failureReason ?? '(no reason recorded)', 1000)}`;

async function deadLetters(ctx: OpsContext, limit: number): Promise<number> {
  const { messages, total } = await listDlq(ctx, limit);
  ctx.print({ total, messages: messages.map(deadLetterSummary) }, (r) =>
    [
      ...r.messages.map(dlqLine),
      `${r.messages.length} change(s) in the change DLQ${r.total > r.messages.length ? ` (of ${r.total})` : ''}`,
    ].join('\n'),
  );
  return 0;
}

/** A DLQ holds at most this many messages for one deletion's reading (14 days of a healthy path is a handful). */
const READ_LIMIT = 10_000;

/**
 * `--dlq --delete [--message-id ID] [--dry-run]`: deletes the messages it lists (all, or the one named) and no
 * message that arrives meanwhile, as `aws sqs purge-queue` (or delete-message) does in AWS. Exit 1 when the named
 * message is not there.
 */
async function deleteDeadLetters(ctx: OpsContext): Promise<number> {
  const id = ctx.option('message-id');
  const { messages } = await listDlq(ctx, READ_LIMIT);
  const chosen = messages.filter((m) => id === undefined || m.messageId === id).map(deadLetterSummary);
  const dryRun = ctx.flag('dry-run');
  const deleted = dryRun
    ? 0
    : (
        await admin<{ deleted: number }>(ctx, 'POST', '/_local/changes/dlq/delete', {
          messageIds: chosen.map((m) => m.messageId),
        })
      ).deleted;
  ctx.print({ dryRun, deleted, messages: chosen }, (r) =>
    [
      ...r.messages.map(dlqLine),
      r.dryRun
        ? `would delete ${r.messages.length} message(s) from the change DLQ`
        : `deleted ${r.deleted} message(s) from the change DLQ`,
      ...(id !== undefined && chosen.length === 0 ? [`no message ${printable(id, 100)} in the change DLQ`] : []),
    ].join('\n'),
  );
  return id !== undefined && chosen.length === 0 ? 1 : 0;
}

/** Flags that only make sense together: a usage error rather than a silent no-op. */
function checkFlags(ctx: OpsContext): void {
  if (ctx.flag('delete') && !ctx.flag('dlq')) throw new UsageError('--delete deletes from the change DLQ: add --dlq');
  const given = { 'message-id': ctx.option('message-id') !== undefined, 'dry-run': ctx.flag('dry-run') };
  for (const [flag, set] of Object.entries(given))
    if (set && !ctx.flag('delete')) throw new UsageError(`--${flag} goes with --dlq --delete`);
}

/**
 * `ops changes [provider] [--type T] [--since ISO]`: the change events the local stack put on its bus, from its
 * archive, oldest first; `--dlq` lists the change DLQ (`--delete` deletes its messages, all or `--message-id`);
 * `--replay` sends the matching archived events to the routes again (the same commands: nothing is written twice).
 *
 * @example
 * npm run ops -- changes football --type fixture --since 2025-01-06T00:00:00Z
 */
export const verb: OpsVerb = {
  synopsis: 'changes [provider] [--type T] [--since ISO]',
  summary:
    'list change events from the bus archive (--limit N); --dlq the change DLQ (--delete [--message-id ID] [--dry-run]); --replay them to the routes',
  // It reads the local archive and admin API; on AWS: start-replay and the DLQ (docs/change-events.md).
  localOnly: true,
  options: {
    type: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string', default: '100' },
    dlq: { type: 'boolean', default: false },
    delete: { type: 'boolean', default: false },
    'message-id': { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    replay: { type: 'boolean', default: false },
  },
  run: async (ctx) => {
    checkFlags(ctx);
    const limit = positiveInt('limit', ctx.option('limit'));
    if (ctx.flag('dlq')) return ctx.flag('delete') ? deleteDeadLetters(ctx) : deadLetters(ctx, limit);
    const filter = {
      provider: ctx.args[0] === undefined ? undefined : ctx.provider(ctx.args[0]).name,
      type: ctx.option('type'),
      since: since(ctx),
    };
    if (ctx.flag('replay')) {
      const { replayed } = await admin<{ replayed: number }>(ctx, 'POST', '/_local/changes/replay', filter);
      ctx.print({ replayed }, (r) => `replayed ${r.replayed} change event(s) to the routes`);
      return 0;
    }
    const events = readArchive(join(ctx.dataDir, 'changes', 'archive.jsonl'), { ...filter, limit });
    ctx.print(events, (all) => [...all.map(changeLine), `${all.length} change event(s)`].join('\n'));
    return 0;
  },
};
