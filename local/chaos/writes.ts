import pLimit from 'p-limit';
import type { Command } from '../../lambdas/core/writes/command';
import { STRIPE_REF_METADATA } from '../../lambdas/providers/stripe-writes';
import { trelloMarker } from '../../lambdas/providers/trello-writes';
import type { StripeSimulator } from '../simulators/stripe';
import { TRELLO_SEED, type TrelloSimulator } from '../simulators/trello';
import type { Rng } from './random';

export interface WritePlan {
  /** Creates of new refs, and the same commands submitted again (callers retry too). */
  first: Command[];
  /** After the first phase: updates of created refs, and creates of refs that already exist (they become updates). */
  second: Command[];
  /** Refs created: each must end with exactly one resource at its provider. */
  refs: { stripe: string[]; trello: string[] };
}

/** The create of the `i`-th ref: a Stripe customer (even) or a Trello card (odd). */
function createOf(rng: Rng, i: number): Command {
  const stripe = i % 2 === 0;
  const ref = `${stripe ? 'cus' : 'card'}-${rng.hex(8)}-${i}`;
  if (stripe) {
    const metadata = { plan: rng.pick(['free', 'team', 'enterprise']) };
    const input = { ref, email: `${ref}@example.com`, name: `Customer ${i}`, metadata };
    return { commandId: `create-${ref}`, provider: 'stripe', operation: 'createCustomer', input };
  }
  const input = { ref, idList: TRELLO_SEED.lists.todo, name: `Ticket ${i}`, desc: 'Customer reports a broken export.' };
  return { commandId: `create-${ref}`, provider: 'trello', operation: 'createCard', input };
}

/** The `i`-th command of the second phase about a created ref: an update, or its create again (which becomes one). */
function laterOf(rng: Rng, provider: 'stripe' | 'trello', ref: string, i: number): Command {
  const update = rng.chance(0.6);
  const name = `Renamed ${i}`;
  if (provider === 'stripe')
    return update
      ? { commandId: `update-${ref}-${i}`, provider, operation: 'updateCustomer', input: { ref, name } }
      : {
          commandId: `again-${ref}-${i}`,
          provider,
          operation: 'createCustomer',
          input: { ref, email: `${ref}@example.com`, name },
        };
  return update
    ? {
        commandId: `update-${ref}-${i}`,
        provider,
        operation: 'updateCard',
        input: { ref, name, idList: rng.pick(Object.values(TRELLO_SEED.lists)) },
      }
    : {
        commandId: `again-${ref}-${i}`,
        provider,
        operation: 'createCard',
        input: { ref, idList: TRELLO_SEED.lists.todo, name },
      };
}

/**
 * The write part of a chaos scenario: Stripe customers and Trello cards, some commands sent twice,
 * then updates and repeated creates of the same refs.
 *
 * @example
 * const plan = planWrites(seeded(7).fork('writes'), 300);
 */
export function planWrites(rng: Rng, total: number): WritePlan {
  const creates = Math.max(2, Math.round(total * 0.6));
  const first = Array.from({ length: creates }, (_, i) => createOf(rng, i));
  const refOf = (c: Command) => (c.input as { ref: string }).ref;
  const refs = {
    stripe: first.filter((c) => c.provider === 'stripe').map(refOf),
    trello: first.filter((c) => c.provider === 'trello').map(refOf),
  };
  for (const c of rng.shuffle(first).slice(0, Math.round(total * 0.1))) first.push({ ...c });
  const all = [
    ...refs.stripe.map((ref) => ['stripe', ref] as const),
    ...refs.trello.map((ref) => ['trello', ref] as const),
  ];
  const second: Command[] = [];
  for (let i = 0; first.length + second.length < total; i += 1) {
    const [provider, ref] = rng.pick(all);
    second.push(laterOf(rng, provider, ref, i));
  }
  return { first: rng.shuffle(first), second, refs };
}

/** `POST /commands/{provider}` until a 2xx (a caller retries a 5xx); the answers, by command id. */
export async function sendCommands(
  url: string,
  commands: Command[],
  concurrency: number,
): Promise<{ provider: string; commandId: string; statuses: number[] }[]> {
  const limit = pLimit(concurrency);
  return Promise.all(
    commands.map((c) =>
      limit(async () => {
        const statuses: number[] = [];
        for (let attempt = 0; attempt < 6; attempt += 1) {
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
          try {
            const res = await fetch(`${url}/commands/${c.provider}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ commandId: c.commandId, operation: c.operation, input: c.input }),
            });
            await res.arrayBuffer();
            statuses.push(res.status);
            if (res.status < 500) break;
          } catch {
            statuses.push(0);
          }
        }
        return { provider: c.provider, commandId: c.commandId, statuses };
      }),
    ),
  );
}

/** Resources at the providers, by our ref: Stripe customers by their metadata, Trello cards by the marker line. */
export function resourcesByRef(
  stripe: StripeSimulator,
  trello: TrelloSimulator,
  refs: WritePlan['refs'],
): Map<string, number> {
  const found = new Map<string, number>();
  for (const c of stripe.customers.values()) {
    const ref = c.metadata[STRIPE_REF_METADATA];
    if (ref) found.set(ref, (found.get(ref) ?? 0) + 1);
  }
  for (const ref of refs.trello) found.set(ref, trello.cardsWith(trelloMarker(ref)).length);
  return found;
}
