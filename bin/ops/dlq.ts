import { deadLetterSummary } from '../../lambdas/core/dead-letter-summary';
import type { OpsTarget } from './target';

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
      `${m.sentAt}  ${m.eventId ?? '?'}  ${m.failureKind ?? '?'} after ${m.receiveCount ?? '?'} attempt(s): ${m.failureReason ?? '(no reason recorded)'}${m.claimChecked ? '  [body in blob store]' : ''}`,
  );
  return [
    ...lines,
    `${r.count} dead-lettered message(s) listed for ${r.provider}${r.total > r.count ? ` (of ${r.total})` : ''} on ${r.where}`,
  ].join('\n');
}
