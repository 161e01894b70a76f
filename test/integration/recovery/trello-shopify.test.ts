import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOPIFY_HEADERS, shopify, shopifySamples } from '../../../lambdas/providers/shopify';
import { TRELLO_VOTE_ON_CARD, trello } from '../../../lambdas/providers/trello';
import { objectIdAt } from '../../../lambdas/providers/trello-recover';
import type { ShopifySimulator } from '../../../local/simulators/shopify';
import { TRELLO_SEED, type TrelloSimulator } from '../../../local/simulators/trello';
import { VirtualTimeline } from '../../../local/simulators/timeline';
import type { LocalStack } from '../../../local/stack';
import type { LogCapture } from '../../helpers/log-capture';
import { testStack, until } from '../../helpers/local-stack';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;
let trelloSim: TrelloSimulator;
let shopifySim: ShopifySimulator;
const time = new VirtualTimeline(T0);

const recover = (provider: string, recovery: string) => stack.recovery!.scheduler.invoke({ provider, recovery });
const down = (target: { url: string }) => {
  const url = target.url;
  target.url = url.replace(/:\d+\//, ':9/');
  return () => {
    target.url = url;
  };
};

beforeAll(async () => {
  // Their clients' buckets (4 and 2 requests a second) would make a day of first-run windows take half a minute.
  const fast = (p: typeof trello) => ({ ...p, rateLimit: { ...p.rateLimit, requestsPerSecond: 200, burst: 50 } });
  ({ stack, logs, close } = await testStack({
    providers: [fast(trello), fast(shopify)],
    recovery: { autoStart: false, timeline: time },
    polls: { autoStart: false },
  }));
  trelloSim = stack.recovery!.simulators.trello!;
  shopifySim = stack.recovery!.simulators.shopify!;
  for (const r of ['actions']) await recover('trello', r);
  for (const r of ['orders', 'products', 'customers', 'draft_orders']) await recover('shopify', r);
});
afterAll(async () => close());

/** A card action on the seeded board, at the timeline's now. */
function cardAction(cardId: string, name: string) {
  const board = { id: TRELLO_SEED.board, name: 'Integration board' };
  const card = { id: cardId, name, idShort: 1, shortLink: 'AbCd1234' };
  return trelloSim.recordAction({
    id: `${objectIdAt(time.now()).slice(0, 8)}${trelloSim.newId().slice(8)}`,
    idMemberCreator: TRELLO_VOTE_ON_CARD.action.idMemberCreator,
    type: 'updateCard',
    data: { board, card, list: { id: TRELLO_SEED.lists.todo, name: 'To Do' } },
  });
}

describe('Trello recovery: board actions, queued again as the webhook body', () => {
  it('recovers an action Trello gave up on after 3 retries, and skips one the webhook brought', async () => {
    const restore = down(trelloSim.sender.target!);
    await time.run(T0 + 5 * MINUTE);
    const lost = cardAction('5f3c0a1b2c3d4e5f6071aaaa', 'lost');
    await time.run(T0 + 20 * MINUTE);
    expect(trelloSim.sender.gaveUp.has(lost.id)).toBe(true);
    expect(trelloSim.sender.attempts.filter((a) => a.id === lost.id)).toHaveLength(4);
    restore();
    const delivered = cardAction('5f3c0a1b2c3d4e5f6071bbbb', 'delivered');
    await time.run(T0 + 30 * MINUTE);
    await until(() => stack.records.get('trello', 'card', '5f3c0a1b2c3d4e5f6071bbbb'), 'the delivered card');

    await time.run(T0 + HOUR + 20 * MINUTE);
    expect(await recover('trello', 'actions')).toMatchObject({ eventsRecovered: 2, gapsOpen: 0 });
    const card = await until(() => stack.records.get('trello', 'card', '5f3c0a1b2c3d4e5f6071aaaa'), 'the lost card');
    expect(card).toMatchObject({ eventId: lost.id, data: { name: 'lost', idBoard: TRELLO_SEED.board } });
    await until(
      () => logs.logs('event already processed, skipped').some((l) => l.event_id === delivered.id) || undefined,
      'the delivered action deduplicated',
    );
    await until(() => logs.metric('EventsRecovered', { provider: 'trello' }) === 1 || undefined, 'EventsRecovered 1');
    // The hour's first request names it by ObjectIds; the next one pages on from the oldest action it got.
    const asked = trelloSim.log(`/1/boards/${TRELLO_SEED.board}/actions`).map((r) => r.query);
    expect(asked).toContainEqual(
      expect.objectContaining({ since: objectIdAt(T0), before: objectIdAt(T0 + HOUR), limit: '1000' }),
    );
  });

  it('polls every card of the configured boards into records, versioned by dateLastActivity', async () => {
    const [id] = trelloSim.addCards(3, { idList: TRELLO_SEED.lists.doing, name: 'Polled' });
    const summary = await stack.polls!.scheduler.invoke({ provider: 'trello', poll: 'cards' });
    expect(summary).toMatchObject({ recordsWritten: 3, gapsOpen: 0 });
    const card = await stack.records.get('trello', 'card', id!);
    // Per board (a hash of its id, which comes from a secret): its own checkpoint.
    expect(card?.source).toMatch(/^cards@[0-9a-f]{12}$/);
    expect(card?.version).toBe(Date.parse(trelloSim.cards.get(id!)!.dateLastActivity));
    expect(card?.data).toMatchObject({ name: 'Polled', idList: TRELLO_SEED.lists.doing, idBoard: TRELLO_SEED.board });
  });
});

describe('Shopify recovery: resources by updated_at, through the webhook mapping', () => {
  it('reconciles an order whose webhook Shopify gave up on, keyed as the webhook keys it', async () => {
    const restore = down(shopifySim.sender.target!);
    const key = shopifySamples.entity(7).key;
    const version = time.now() + 5 * MINUTE;
    await time.run(version);
    const sample = shopifySamples.event({ eventId: 'e1', key, version });
    // An order of today: without read_all_orders, Shopify lists only orders created in the last 60 days.
    const raw = sample.body.replaceAll(
      '"created_at":"2021-12-31T19:00:00-05:00"',
      `"created_at":"${new Date(T0).toISOString()}"`,
    );
    shopifySim.upsert('orders', raw, 'orders/updated', sample.headers);
    // 8 retries over 4 hours, then the subscription is gone.
    await time.run(time.now() + 5 * HOUR);
    expect(shopifySim.subscriptionRemoved).toBe(true);
    restore();
    expect(await recover('shopify', 'orders')).toMatchObject({ eventsRecovered: 1, gapsOpen: 0 });
    const order = await until(() => stack.records.get('shopify', 'order', key), 'the reconciled order');
    expect(order).toMatchObject({ version: Date.parse(new Date(version).toISOString()) });
    expect(order.data).toMatchObject({ topic: 'orders/updated' });
    expect(order.key).toBe(`${SHOPIFY_HEADERS['x-shopify-shop-domain']}/${key.split('/')[1]}`);
    const asked = shopifySim.log('/admin/api/2026-04/orders.json').at(-1)!;
    expect(asked.query).toMatchObject({ status: 'any', limit: '250' });
  });
});
