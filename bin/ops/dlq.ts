import { printable } from '../../lambdas/core/printable';
import { deadLetterSummary } from '../../lambdas/core/dead-letter-summary';
import type { OpsTarget } from './target';
import { positiveInt } from '../cli/main';
import type { OpsVerb } from './verb';

export interface DlqResult {
  where: string;
  provider: string;
  /** Messages in the DLQ (SQS's estimate on AWS). */
  total: number;
  count: number;
  messages: ReturnType<typeof deadLetterSummary>[];
}

/**
 * `ops dlq <provider>`: dead-lettered messages with why they failed; nothing is consumed.
 *
 * @example
 * const r = await dlq(target, 'github', { limit: 50 });
 */
export async function dlq(target: OpsTarget, provider: string, opts: { limit: number }): Promise<DlqResult> {
  const { messages, total } = await target.listDlq(provider, opts.limit);
  return { where: target.where, provider, total, count: messages.length, messages: messages.map(deadLetterSummary) };
}

export function dlqText(r: DlqResult): string {
  const lines = r.messages.map(
    (m) =>
      `${m.sentAt}  ${printable(m.eventId ?? '?', 200)}  ${printable(m.failureKind ?? '?', 64)} after ${printable(m.receiveCount ?? '?', 8)} attempt(s): ${printable(m.failureReason ?? '(no reason recorded)', 1000)}${m.claimChecked ? '  [body in blob store]' : ''}`,
  );
  return [
    ...lines,
    `${r.count} dead-lettered message(s) listed for ${r.provider}${r.total > r.count ? ` (of ${r.total})` : ''} on ${r.where}`,
  ].join('\n');
}

export const verb: OpsVerb = {
  synopsis: 'dlq <provider>',
  summary: 'list dead-lettered messages with their failure reasons (--limit N, default 100)',
  options: { limit: { type: 'string', default: '100' } },
  run: async (ctx) => {
    const provider = ctx.provider(ctx.args[0]).name;
    const limit = positiveInt('limit', ctx.option('limit'));
    ctx.print(await dlq(await ctx.target(), provider, { limit }), dlqText);
    return 0;
  },
};
