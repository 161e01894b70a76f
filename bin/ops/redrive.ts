import type { OpsTarget } from './target';

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
