import { replayArchived, type ReplayResult } from '../../lambdas/core/replay';
import type { OpsTarget } from './target';
import { UsageError } from '../cli/main';
import type { OpsContext, OpsVerb } from './verb';

export type ReplayCommandResult = ReplayResult & { where: string; dryRun: boolean };

/**
 * `ops replay <provider> --from ISO --to ISO`: re-enqueues the archived events received in
 * [from, to). Each replay run has its own id, which the processor puts in the idempotency key.
 *
 * @example
 * const r = await replay(target, 'github', { from: new Date('2024-05-01T00:00:00Z'), to: new Date(), now: new Date() });
 */
export async function replay(
  target: OpsTarget,
  provider: string,
  opts: { from: Date; to: Date; now: Date; dryRun?: boolean },
): Promise<ReplayCommandResult> {
  if (!(opts.from.getTime() < opts.to.getTime())) throw new Error('--from must be before --to');
  const result = await replayArchived({
    blobs: target.blobs,
    provider,
    from: opts.from,
    to: opts.to,
    replayId: `replay-${opts.now.toISOString()}`,
    enqueue: (messages) => target.enqueue(provider, messages),
    dryRun: opts.dryRun,
  });
  return { ...result, where: target.where, dryRun: Boolean(opts.dryRun) };
}

export function replayText(r: ReplayCommandResult): string {
  const did = r.dryRun ? `would re-enqueue ${r.found}` : `re-enqueued ${r.enqueued} of ${r.found}`;
  return `${did} archived ${r.provider} event(s) received ${r.from} .. ${r.to} on ${r.where} (replay id ${r.replayId})`;
}

function date(ctx: OpsContext, flag: 'from' | 'to'): Date {
  const value = ctx.option(flag);
  const d = value ? new Date(value) : undefined;
  if (!d || Number.isNaN(d.getTime()))
    throw new UsageError(`--${flag} needs an ISO date, e.g. --${flag} 2024-05-01T00:00:00Z`);
  return d;
}

export const verb: OpsVerb = {
  synopsis: 'replay <provider> --from ISO --to ISO',
  summary: 're-enqueue archived events received in [from, to) (--dry-run: only count)',
  options: { from: { type: 'string' }, to: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  run: async (ctx) => {
    const provider = ctx.provider(ctx.args[0]).name;
    const [from, to] = [date(ctx, 'from'), date(ctx, 'to')];
    if (!(from.getTime() < to.getTime())) throw new UsageError('--from must be before --to');
    const opts = { from, to, now: new Date(), dryRun: ctx.flag('dry-run') };
    ctx.print(await replay(await ctx.target(), provider, opts), replayText);
    return 0;
  },
};
