import { randomUUID } from 'node:crypto';
import { resolveRule } from '../../lambdas/core/alarm-rules';
import { secretValues } from '../../lambdas/core/secret-values';
import { sampleGithubIssue } from '../../lambdas/providers/github';
import { postDelivery, signAs } from '../sign';
import type { DemoContext, DemoDriver } from './types';

export interface GithubWebhookDemoOptions {
  /** Between two deliveries (default 2 s). */
  intervalMs?: number;
  /** About one delivery in this many is forged (default 15). */
  forgedEvery?: number;
  /**
   * Every this often, a burst of forged deliveries just above the signature-rejections threshold (default 3 min; 0:
   * never).
   */
  burstEveryMs?: number;
}

/**
 * Signed GitHub `issues` webhooks at a gentle rate (a handful of issues updated over and over, so records
 * change, duplicates and stale events happen), an occasional forged one, and now and then a forged burst
 * that fires the signature-rejections alarm, which clears by itself one period later.
 *
 * @example
 * const stop = githubWebhookDemo({ intervalMs: 1000 }).start({ stack, say: console.log, random: Math.random });
 */
export function githubWebhookDemo(opts: GithubWebhookDemoOptions = {}): DemoDriver {
  const intervalMs = opts.intervalMs ?? 2000;
  const forgedEvery = opts.forgedEvery ?? 15;
  const burstEveryMs = opts.burstEveryMs ?? 180_000;
  return {
    name: 'github-webhooks',
    start(ctx: DemoContext) {
      const { stack } = ctx;
      const inFlight = new Set<Promise<unknown>>();
      const deliver = async (forged: boolean) => {
        const secret = secretValues(await stack.secrets.get('github', 'webhookSecret'))[0] ?? '';
        const issue = sampleGithubIssue({
          number: 1 + Math.floor(ctx.random() * 12),
          title: `Demo issue ${randomUUID().slice(0, 8)}`,
        });
        const signed = signAs('github', JSON.stringify(issue), forged ? `forged-${randomUUID()}` : secret, {
          headers: { 'x-github-event': 'issues' },
        });
        return postDelivery(stack.url, 'github', signed);
      };
      const track = (p: Promise<unknown>) => {
        const q = p.catch(() => undefined).finally(() => inFlight.delete(q));
        inFlight.add(q);
      };
      const tick = setInterval(() => track(deliver(ctx.random() * forgedEvery < 1)), intervalMs);
      const rule = resolveRule('signature-rejections', stack.monitor.settings);
      const burst =
        burstEveryMs > 0 && rule
          ? setInterval(() => {
              ctx.say(
                `demo: sending ${rule.threshold + 3} forged GitHub webhooks; the signature-rejections alarm fires, then clears`,
              );
              for (let i = 0; i < rule.threshold + 3; i += 1) track(deliver(true));
            }, burstEveryMs)
          : undefined;
      return async () => {
        clearInterval(tick);
        if (burst) clearInterval(burst);
        await Promise.all(inFlight);
      };
    },
  };
}
