import { printable } from '../../lambdas/core/printable';
import { join } from 'node:path';
import type { DeadLetter } from '../../lambdas/core/dead-letter-summary';
import { deadLetterSummary } from '../../lambdas/core/dead-letter-summary';
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

async function deadLetters(ctx: OpsContext, limit: number): Promise<number> {
  const { messages, total } = await admin<{ messages: DeadLetter[]; total: number }>(
    ctx,
    'GET',
    `/_local/changes/dlq?limit=${limit}`,
  );
  const summaries = messages.map(deadLetterSummary);
  ctx.print({ total, messages: summaries }, (r) =>
    [
      ...r.messages.map(
        (m) =>
          `${m.sentAt}  ${printable(m.eventId ?? '-', 200)}  ${printable(m.failureKind ?? '?', 64)}: ${printable(m.failureReason ?? '(no reason recorded)', 1000)}`,
      ),
      `${r.messages.length} change(s) in the change DLQ${r.total > r.messages.length ? ` (of ${r.total})` : ''}`,
    ].join('\n'),
  );
  return 0;
}

/**
 * `ops changes [provider] [--type T] [--since ISO]`: the change events the local stack put on its bus, from its
 * archive, oldest first; `--dlq` lists the change DLQ; `--replay` sends the matching archived events to the routes
 * again (the same commands: nothing is written twice).
 *
 * @example
 * npm run ops -- changes football --type fixture --since 2025-01-06T00:00:00Z
 */
export const verb: OpsVerb = {
  synopsis: 'changes [provider] [--type T] [--since ISO]',
  summary: 'list change events from the bus archive (--limit N); --dlq the change DLQ; --replay them to the routes',
  options: {
    type: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string', default: '100' },
    dlq: { type: 'boolean', default: false },
    replay: { type: 'boolean', default: false },
  },
  run: async (ctx) => {
    if (ctx.aws)
      throw new UsageError('changes reads the local archive; on AWS see docs/change-events.md (start-replay, the DLQ)');
    const limit = positiveInt('limit', ctx.option('limit'));
    if (ctx.flag('dlq')) return deadLetters(ctx, limit);
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
