import type { LocalStack } from '../stack';
import { commandsDemo } from './commands';
import { footballFaultsDemo } from './football-faults';
import { githubWebhookDemo } from './github-webhooks';
import { providerWebhooksDemo } from './provider-webhooks';
import { routesDemo } from './routes';
import type { DemoDriver } from './types';

export type { DemoContext, DemoDriver } from './types';

export interface DemoOptions {
  /** Runs every driver this many times faster (default 1; tests use 50 or more). */
  speed?: number;
}

/**
 * The drivers `npm start` runs, gentle by default (about one request a second in all): signed GitHub
 * webhooks every 2 s (a forged burst every 3 min), another provider's every 3 s (an occasional duplicate
 * or out-of-order one), a Stripe or Trello command every 20 s, a football simulator fault 30 s in, then every 75 s, and
 * the routes at work 20 s in, then every 60 s: a GitHub bug becomes a Trello card, a fixture finishing a Slack post.
 *
 * @example
 * const demo = startDemo(stack, defaultDemoDrivers({ speed: 50 }));
 */
export function defaultDemoDrivers(opts: DemoOptions = {}): DemoDriver[] {
  const speed = opts.speed && opts.speed > 0 ? opts.speed : 1;
  const ms = (n: number) => Math.max(1, Math.round(n / speed));
  return [
    githubWebhookDemo({ intervalMs: ms(2000), burstEveryMs: ms(180_000) }),
    providerWebhooksDemo({ intervalMs: ms(3000) }),
    commandsDemo({ intervalMs: ms(20_000) }),
    footballFaultsDemo({ everyMs: ms(75_000), firstAfterMs: ms(30_000) }),
    routesDemo({ everyMs: ms(60_000), firstAfterMs: ms(20_000) }),
  ];
}

/**
 * Runs demo traffic against a local stack until stopped.
 *
 * @example
 * const demo = startDemo(stack, defaultDemoDrivers(), { say: console.log });
 * await demo.stop();
 */
export function startDemo(
  stack: LocalStack,
  drivers: DemoDriver[],
  opts: { say?(message: string): void; random?(): number } = {},
): { drivers: string[]; stop(): Promise<void> } {
  const ctx = { stack, say: opts.say ?? (() => {}), random: opts.random ?? Math.random };
  const stops = drivers.map((d) => d.start(ctx));
  return { drivers: drivers.map((d) => d.name), stop: async () => void (await Promise.all(stops.map((s) => s()))) };
}
