import type { LocalStack } from '../stack';
import { githubWebhookDemo } from './github-webhooks';
import type { DemoDriver } from './types';

export type { DemoContext, DemoDriver } from './types';

/** The drivers `npm start` runs; the client, sync and writes demos are added here as they land. */
export function defaultDemoDrivers(): DemoDriver[] {
  return [githubWebhookDemo()];
}

/**
 * Runs demo traffic against a local stack until stopped.
 *
 * @example
 * const demo = startDemo(stack, defaultDemoDrivers(), { say: console.log });
 * await demo.stop();
 */
export function startDemo(stack: LocalStack, drivers: DemoDriver[], opts: { say?(message: string): void; random?(): number } = {}): { drivers: string[]; stop(): Promise<void> } {
  const ctx = { stack, say: opts.say ?? (() => {}), random: opts.random ?? Math.random };
  const stops = drivers.map((d) => d.start(ctx));
  return { drivers: drivers.map((d) => d.name), stop: async () => void (await Promise.all(stops.map((s) => s()))) };
}
