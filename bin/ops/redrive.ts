import type { OpsTarget } from './target';
import type { OpsVerb } from './verb';

export interface RedriveResult {
  where: string;
  provider: string;
  moved: number;
  status: string;
  handle?: string;
}

/**
 * `ops redrive <provider>`: moves the provider's DLQ back to its queue, where the processor takes
 * the messages again (idempotent and newer-only, so a redrive never applies an event twice).
 *
 * @example
 * const r = await redrive(target, 'github', { wait: true });
 */
export async function redrive(target: OpsTarget, provider: string, opts: { wait: boolean }): Promise<RedriveResult> {
  return { where: target.where, provider, ...(await target.redrive(provider, opts)) };
}

export function redriveText(r: RedriveResult): string {
  const verb =
    r.status === 'RUNNING' ? `moving about ${r.moved} message(s) (task ${r.handle})` : `moved ${r.moved} message(s)`;
  return `${verb} from the ${r.provider} DLQ back to its queue on ${r.where}`;
}

export const verb: OpsVerb = {
  synopsis: 'redrive <provider>',
  summary: "move the provider's DLQ back to its queue (--no-wait: start it and return, AWS)",
  options: { 'no-wait': { type: 'boolean', default: false } },
  run: async (ctx) => {
    const provider = ctx.provider(ctx.args[0]).name;
    ctx.print(await redrive(await ctx.target(), provider, { wait: !ctx.flag('no-wait') }), redriveText);
    return 0;
  },
};
