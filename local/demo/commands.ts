import { randomUUID } from 'node:crypto';
import { TRELLO_SEED } from '../simulators/trello';
import { Pacer } from './pacer';
import type { DemoContext, DemoDriver } from './types';

export interface CommandsDemoOptions {
  /** Between two commands, Stripe and Trello in turn (default 20 s). */
  intervalMs?: number;
  /** Our ids cycle through this many per provider, so later commands update what earlier ones created (default 4). */
  refs?: number;
}

const LISTS = Object.values(TRELLO_SEED.lists);

/**
 * A few outbound writes through `POST /commands/{provider}`, as a caller of the stack sends them: Stripe
 * `createCustomer` and Trello `createCard` in turn, on a handful of our ids, so the first command for an
 * id creates, the next ones update (or change nothing). Skips a provider the stack has no command route for.
 *
 * @example
 * const stop = commandsDemo({ intervalMs: 1000 }).start(ctx);
 */
export function commandsDemo(opts: CommandsDemoOptions = {}): DemoDriver {
  const intervalMs = opts.intervalMs ?? 20_000;
  const refs = Math.max(1, opts.refs ?? 4);
  return {
    name: 'commands',
    start(ctx: DemoContext) {
      const { stack } = ctx;
      const pace = new Pacer();
      const commands = [
        {
          provider: 'stripe',
          operation: 'createCustomer',
          input: (n: number, k: number) => ({
            ref: `demo-customer-${n}`,
            email: `demo${n}@example.com`,
            name: `Demo customer ${n}`,
            description: `demo run ${k % 3}`,
          }),
        },
        {
          provider: 'trello',
          operation: 'createCard',
          input: (n: number, k: number) => ({
            ref: `demo-card-${n}`,
            idList: LISTS[k % LISTS.length]!,
            name: `Demo card ${n}`,
          }),
        },
      ].filter((c) => stack.writes.queues[c.provider]);
      let turn = 0;
      const send = async () => {
        const k = turn++;
        const command = commands[k % commands.length];
        if (!command) return;
        const n = 1 + Math.floor(ctx.random() * refs);
        const res = await fetch(`${stack.url}/commands/${command.provider}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            commandId: randomUUID(),
            operation: command.operation,
            input: command.input(n, Math.floor(k / commands.length)),
          }),
        });
        await res.arrayBuffer();
      };
      if (commands.length > 0) pace.every(intervalMs, send);
      return () => pace.stop();
    },
  };
}
