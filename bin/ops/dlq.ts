import { type DeadLetterSummary, deadLetterSummary } from '../../lambdas/core/dead-letter-summary';
import type { QueueKind } from '../../lambdas/core/resource-tags';
import { printable } from '../../lambdas/core/printable';
import { positiveInt } from '../cli/main';
import type { OpsTarget, QueueRef } from './target';
import type { OpsVerb } from './verb';

export interface DlqResult {
  where: string;
  provider: string;
  queue: QueueKind;
  /** Messages in the DLQ (SQS's estimate on AWS). */
  total: number;
  count: number;
  messages: DeadLetterSummary[];
}

/**
 * `ops dlq <provider> [--queue webhooks|commands|scheduler|recovery]`: dead-lettered messages with why they failed;
 * nothing is consumed.
 *
 * @example
 * const r = await dlq(target, { provider: 'trello', kind: 'commands' }, { limit: 50 });
 */
export async function dlq(target: OpsTarget, ref: QueueRef, opts: { limit: number }): Promise<DlqResult> {
  const { messages, total } = await target.listDlq(ref, opts.limit);
  return {
    where: target.where,
    provider: ref.provider,
    queue: ref.kind,
    total,
    count: messages.length,
    messages: messages.map(deadLetterSummary),
  };
}

/** What the message is about: a webhook event, a command (and its operation), a poll or a recovery. */
const subject = (m: DeadLetterSummary): string =>
  m.eventId ?? (m.commandId ? `${m.commandId} ${m.operation ?? ''}`.trim() : (m.poll ?? m.recovery ?? '?'));

export function dlqText(r: DlqResult): string {
  const lines = r.messages.map(
    (m) =>
      `${m.sentAt}  ${printable(subject(m), 200)}  ${printable(m.failureKind ?? '?', 64)} after ${printable(m.receiveCount ?? '?', 8)} attempt(s): ${printable(m.failureReason ?? '(no reason recorded)', 1000)}${m.claimChecked ? '  [body in blob store]' : ''}`,
  );
  return [
    ...lines,
    `${r.count} dead-lettered message(s) listed from the ${r.provider} ${r.queue} DLQ${r.total > r.count ? ` (of ${r.total})` : ''} on ${r.where}`,
  ].join('\n');
}

export const verb: OpsVerb = {
  synopsis: 'dlq <provider> [--queue Q]',
  summary:
    'list a DLQ with failure reasons (--queue webhooks|commands|scheduler|recovery, default webhooks; --limit N)',
  options: { limit: { type: 'string', default: '100' }, queue: { type: 'string' } },
  run: async (ctx) => {
    const ref = ctx.queue();
    const limit = positiveInt('limit', ctx.option('limit'));
    ctx.print(await dlq(await ctx.target(), ref, { limit }), dlqText);
    return 0;
  },
};
