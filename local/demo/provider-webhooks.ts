import { secretValues } from '../../lambdas/core/secret-values';
import { sampleDelivery } from '../sample-deliveries';
import type { SignedDelivery } from '../sign';
import { Pacer } from './pacer';
import type { DemoContext, DemoDriver } from './types';

export interface ProviderWebhooksDemoOptions {
  /** Between two deliveries, taking providers in turn (default 3 s: each of five providers every 15 s). */
  intervalMs?: number;
  /** About one delivery in this many is sent again at the next turn, as providers retry (default 8). */
  duplicateEvery?: number;
  /** About one delivery in this many comes with an older one right behind it (default 8). */
  outOfOrderEvery?: number;
  /** Which providers (default every one with webhooks, except GitHub, which has its own driver). */
  providers?: string[];
}

/** How far back the late delivery of an out-of-order pair was made: well inside every signature tolerance. */
const LATE_BY_MS = 20_000;

/**
 * Signed webhooks from the other providers (Slack, Stripe, Shopify, Trello, Standard Webhooks), built on
 * their documented samples (beside each definition in lambdas/providers/), one provider after another: now and then the
 * same delivery again at the next turn (counted as a duplicate) or a newer event followed by an older one
 * about the same entity (counted as stale), so the records chart shows both.
 *
 * @example
 * const stop = providerWebhooksDemo({ intervalMs: 500 }).start(ctx);
 */
export function providerWebhooksDemo(opts: ProviderWebhooksDemoOptions = {}): DemoDriver {
  const intervalMs = opts.intervalMs ?? 3000;
  const duplicateEvery = opts.duplicateEvery ?? 8;
  const outOfOrderEvery = opts.outOfOrderEvery ?? 8;
  return {
    name: 'provider-webhooks',
    start(ctx: DemoContext) {
      const { stack } = ctx;
      const definition = (name: string) => stack.providers.find((p) => p.name === name);
      const names = (opts.providers ?? Object.keys(stack.queues).filter((p) => p !== 'github')).filter(
        (p) => stack.queues[p] && definition(p)?.webhook,
      );
      const pace = new Pacer();
      let turn = 0;
      let again: { name: string; delivery: SignedDelivery } | undefined;
      const post = async (name: string, d: SignedDelivery) => {
        const res = await fetch(`${stack.url}/webhooks/${name}`, { method: 'POST', headers: d.headers, body: d.body });
        await res.arrayBuffer();
      };
      const deliver = async () => {
        // A retried delivery comes a little later (the first is processed by then), as a provider's retry does.
        if (again) await post(again.name, again.delivery);
        again = undefined;
        const name = names[turn++ % names.length];
        if (!name) return;
        const def = definition(name)!;
        const secret = secretValues(await stack.secrets.get(name, def.webhook!.secret))[0] ?? '';
        // The URL as API Gateway hands it to the ingest (https, the Host we send): Trello signs it.
        const url = `https://${new URL(stack.url).host}/webhooks/${name}`;
        const now = Date.now();
        const delivery = sampleDelivery(def, secret, { url, now: new Date(now) });
        const r = ctx.random();
        await post(name, delivery);
        if (r * duplicateEvery < 1) again = { name, delivery };
        else if ((1 - r) * outOfOrderEvery < 1)
          await post(name, sampleDelivery(def, secret, { url, now: new Date(now - LATE_BY_MS) }));
      };
      if (names.length > 0) pace.every(intervalMs, deliver);
      return () => pace.stop();
    },
  };
}
