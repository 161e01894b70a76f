import { afterEach, describe, expect, it } from 'vitest';
import { ATTR } from '../../../lambdas/core/event-message';
import type { Command } from '../../../lambdas/core/writes/command';
import { TRELLO_LOOKUP_PAGES, trelloMarker } from '../../../lambdas/providers/trello-writes';
import { TRELLO_SEED } from '../../../local/simulators/trello';
import { LENIENT_BREAKER, SECRET_VALUES, SECRETS, writerRig, type WriterRig } from '../../helpers/writer-rig';

let rig: WriterRig;
afterEach(async () => {
  expect(rig.logs.leaked(SECRET_VALUES)).toEqual([]);
  await rig.close();
});

let n = 0;
const ref = () => `ticket-${n}`;
const create = (input: Record<string, unknown> = {}, commandId = `cmd-trello-${++n}`): Command => ({
  commandId,
  provider: 'trello',
  operation: 'createCard',
  input: {
    ref: `ticket-${n}`,
    idList: TRELLO_SEED.lists.todo,
    name: `Ticket ${n}`,
    desc: 'Customer reports a broken export.',
    ...input,
  },
});
const update = (input: Record<string, unknown>, commandId = `cmd-trello-upd-${++n}`): Command => ({
  commandId,
  provider: 'trello',
  operation: 'updateCard',
  input,
});
const requests = (method: string, path: string) => rig.trello.log(path).filter((r) => r.method === method);
const cardsOf = (r: string) => rig.trello.cardsWith(trelloMarker(r));
const outcome = (command: Command) => rig.commands.get(command.provider, command.commandId);

async function run(command: Command) {
  rig.send('trello', command);
  await rig.drain('trello');
  return outcome(command);
}

describe('Trello createCard: POST /1/cards with our id as a marker', () => {
  it('creates one card with key/token query auth and the marker in its description, and maps our id to it', async () => {
    rig = await writerRig();
    const command = create();
    const result = await run(command);
    const [card, ...more] = cardsOf(ref());
    expect(more).toEqual([]);
    expect(card).toMatchObject({
      name: `Ticket ${n}`,
      idList: TRELLO_SEED.lists.todo,
      desc: `Customer reports a broken export.\n\n${trelloMarker(ref())}`,
    });
    const [post] = requests('POST', '/1/cards');
    expect(post!.query).toMatchObject({ key: SECRETS.trello.apiKey, token: SECRETS.trello.token });
    expect(post!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(post!.headers['idempotency-key']).toBeUndefined();
    expect(result).toMatchObject({ status: 'succeeded', action: 'created', providerId: card!.id, providerCalls: 1 });
    expect(await rig.externalIds.get({ provider: 'trello', entity: 'card', ref: ref() })).toMatchObject({
      state: 'mapped',
      providerId: card!.id,
    });
    // The simulator's control route shows requests without their credentials.
    const shown = await (await fetch(`${rig.trello.url}/_requests`)).text();
    expect(shown).toContain('"key":"[redacted]"');
    expect(SECRET_VALUES.filter((v) => shown.includes(v))).toEqual([]);
  });

  it('makes a create for a mapped ref an update that sends only what differs', async () => {
    rig = await writerRig();
    await run(create());
    const again = await run(create({ ref: ref(), name: 'Renamed' }, 'cmd-trello-again'));
    const [card, ...more] = cardsOf(ref());
    expect(more).toEqual([]);
    expect(card!.name).toBe('Renamed');
    expect(again).toMatchObject({ action: 'updated', providerId: card!.id });
    const [put] = requests('PUT', `/1/cards/${card!.id}`);
    expect(Object.fromEntries(new URLSearchParams(put!.body))).toEqual({ name: 'Renamed' });
  });
});

describe('updates compare before writing', () => {
  it('reads the card and sends only the changed fields with PUT /1/cards/{id}', async () => {
    rig = await writerRig();
    await run(create());
    const [card] = cardsOf(ref());
    const result = await run(
      update({ ref: ref(), idList: TRELLO_SEED.lists.doing, due: '2025-02-01T09:00:00Z', name: `Ticket ${n}` }),
    );
    expect(result).toMatchObject({ status: 'succeeded', action: 'updated', providerCalls: 2 });
    expect(rig.trello.cards.get(card!.id)).toMatchObject({
      idList: TRELLO_SEED.lists.doing,
      due: '2025-02-01T09:00:00.000Z',
    });
    const [put] = requests('PUT', `/1/cards/${card!.id}`);
    expect(Object.fromEntries(new URLSearchParams(put!.body))).toEqual({
      idList: TRELLO_SEED.lists.doing,
      due: '2025-02-01T09:00:00Z',
    });
  });

  it('skips a write that would change nothing (no PUT), and records it as unchanged', async () => {
    rig = await writerRig();
    await run(create({ due: '2025-03-01T12:00:00.000Z' }));
    const same = await run(
      update({
        ref: ref(),
        name: `Ticket ${n}`,
        desc: 'Customer reports a broken export.',
        due: '2025-03-01T12:00:00Z',
        closed: false,
      }),
    );
    expect(same).toMatchObject({ status: 'succeeded', action: 'unchanged', providerCalls: 1 });
    expect(rig.trello.log().filter((r) => r.method === 'PUT')).toEqual([]);
    expect(rig.logs.metric('WritesUnchanged', { provider: 'trello', operation: 'updateCard' })).toBe(1);
  });

  it('dead-letters an update whose mapped card no longer exists', async () => {
    rig = await writerRig();
    await run(create());
    const [card] = cardsOf(ref());
    rig.trello.cards.delete(card!.id);
    expect(await run(update({ ref: ref(), name: 'x' }))).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: { kind: 'permanent', message: expect.stringContaining('no longer has') },
    });
    const [dead] = rig.queues.trello.dlq.list();
    expect(dead!.attributes[ATTR.failureKind]).toBe('permanent');
    expect(dead!.attributes[ATTR.failureReason]).toContain('no longer has');
  });
});

describe('commit, then fail: Trello created the card and the answer was lost', () => {
  it.each([
    // A 502 is an answer: the request is over, so the same invocation can look at once.
    ['a 502 after the commit', { kind: 'commit-then-fail', status: 502 }, 1],
    // No answer at all: the request may still be running, so only the redelivery looks.
    ['a reset after the commit', { kind: 'commit-then-fail', drop: 'reset' }, 2],
    ['a hang (timeout) after the commit', { kind: 'commit-then-fail', drop: 'hang' }, 2],
  ] as const)(
    '%s: the writer finds the card by its marker and maps it instead of creating again',
    async (_name, fault, attempts) => {
      rig = await writerRig();
      rig.trello.faults.add(fault, { match: { method: 'POST', path: '/1/cards' } });
      const command = create();
      const result = await run(command);
      const [card, ...more] = cardsOf(ref());
      expect(more).toEqual([]);
      expect(requests('POST', '/1/cards')).toHaveLength(1);
      // Found in its list (open and archived cards, newest first): the board is never read.
      const [look, ...again] = requests('GET', `/1/lists/${TRELLO_SEED.lists.todo}/cards`);
      expect(again).toEqual([]);
      expect(look!.query).toMatchObject({
        filter: 'all',
        limit: '1000',
        since: expect.stringMatching(/^[0-9a-f]{24}$/),
      });
      expect(requests('GET', `/1/boards/${TRELLO_SEED.board}/cards/all`)).toEqual([]);
      expect(result).toMatchObject({ status: 'succeeded', action: 'reconciled', providerId: card!.id, attempts });
      expect(rig.logs.metric('CommandsReconciled', { provider: 'trello', operation: 'createCard' })).toBe(1);
    },
  );

  it.each([
    ['a reset', 'reset'],
    ['a timeout', 'hang'],
  ] as const)(
    'commit late (Trello commits after %s cut the answer): never creates again in that invocation, exactly one card',
    async (_name, drop) => {
      rig = await writerRig();
      // Trello is still working on the create when the answer is lost, and commits 5 s later on its clock.
      rig.trello.faults.add(
        { kind: 'commit-late', afterMs: 5_000, drop },
        { match: { method: 'POST', path: '/1/cards' } },
      );
      const command = create();
      rig.send('trello', command);
      await rig.deliver('trello');
      expect(await outcome(command)).toMatchObject({
        status: 'retrying',
        lastError: { kind: 'retryable', message: expect.stringContaining('no answer (it may still land)') },
      });
      // Looking (then creating) a backoff later, as before, would have missed the card that was about to land.
      expect(requests('POST', '/1/cards')).toHaveLength(1);
      expect(rig.trello.log().filter((r) => r.method === 'GET')).toEqual([]);
      expect(await rig.externalIds.get({ provider: 'trello', entity: 'card', ref: ref() })).toMatchObject({
        state: 'creating',
        unconfirmed: 1,
      });
      // The redelivery comes a visibility timeout later (6 min in the CDK stack); by then the late commit has landed.
      rig.time.advance(6 * 60_000);
      await rig.drain('trello');
      const [card, ...more] = cardsOf(ref());
      expect(more).toEqual([]);
      expect(requests('POST', '/1/cards')).toHaveLength(1);
      expect(await outcome(command)).toMatchObject({
        status: 'succeeded',
        action: 'reconciled',
        providerId: card!.id,
        attempts: 2,
      });
    },
  );

  it('finds the card on the next delivery when the first one could not look (the send was counted before it went out)', async () => {
    rig = await writerRig({ definitions: { trello: { circuitBreaker: LENIENT_BREAKER } } });
    // The first delivery's create commits and its answer is lost; the board lookups fail for the rest of that delivery.
    rig.trello.faults.add({ kind: 'commit-then-fail', status: 502 }, { match: { method: 'POST', path: '/1/cards' } });
    rig.trello.faults.add({ kind: 'status', status: 503 }, { match: { method: 'GET', path: '/1/lists' }, times: 4 });
    const command = create();
    rig.send('trello', command);
    await rig.deliver('trello');
    expect(await outcome(command)).toMatchObject({
      status: 'retrying',
      lastError: { message: expect.stringContaining('reconcile lookup failed, not creating again') },
    });
    expect(await rig.externalIds.get({ provider: 'trello', entity: 'card', ref: ref() })).toMatchObject({
      state: 'creating',
      owner: command.commandId,
      unconfirmed: 1,
    });
    await rig.drain('trello');
    expect(cardsOf(ref())).toHaveLength(1);
    expect(requests('POST', '/1/cards')).toHaveLength(1);
    expect(await outcome(command)).toMatchObject({ status: 'succeeded', action: 'reconciled', attempts: 2 });
  });
});

describe('the marker lookup on a big board: a page of 1000 at a time, never one request for every card', () => {
  const HOUR = 3_600_000;
  const boardReads = () => requests('GET', `/1/boards/${TRELLO_SEED.board}/cards/all`);

  /** A create whose answer is lost (502 after the commit) while every lookup of that delivery fails: the next delivery looks. */
  async function lostCreate(command: Command) {
    rig.trello.faults.add({ kind: 'commit-then-fail', status: 502 }, { match: { method: 'POST', path: '/1/cards' } });
    rig.trello.faults.add({ kind: 'status', status: 503 }, { match: { method: 'GET', path: '/1/lists' }, times: 4 });
    rig.send('trello', command);
    await rig.deliver('trello');
    expect(await outcome(command)).toMatchObject({ status: 'retrying' });
  }

  it('Trello refuses one request for more cards than it returns at once (API_TOO_MANY_CARDS_REQUESTED)', async () => {
    rig = await writerRig();
    rig.trello.addCards(1500, { idList: TRELLO_SEED.lists.done });
    const res = await fetch(
      `${rig.trello.url}/1/boards/${TRELLO_SEED.board}/cards/all?key=${SECRETS.trello.apiKey}&token=${SECRETS.trello.token}`,
    );
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'API_TOO_MANY_CARDS_REQUESTED' });
  });

  it('finds a card moved to another list by paging the board back from the newest, only as far as the first send', async () => {
    rig = await writerRig({ definitions: { trello: { circuitBreaker: LENIENT_BREAKER } } });
    // 3000 cards older than the command, which the lookup never reads.
    rig.trello.addCards(3000, { idList: TRELLO_SEED.lists.done, spacingMs: 1000 });
    rig.time.advance(2 * HOUR);
    const command = create();
    await lostCreate(command);
    const [card] = cardsOf(ref());
    // Before the redelivery a person moves the card, and 1500 more cards are made on the board.
    card!.idList = TRELLO_SEED.lists.doing;
    rig.time.advance(60_000);
    rig.trello.addCards(1500, { idList: TRELLO_SEED.lists.done, spacingMs: 10 });
    await rig.drain('trello');
    expect(cardsOf(ref())).toHaveLength(1);
    expect(requests('POST', '/1/cards')).toHaveLength(1);
    expect(await outcome(command)).toMatchObject({ status: 'succeeded', action: 'reconciled', providerId: card!.id });
    const [first, second, ...more] = boardReads();
    expect(more).toEqual([]);
    expect(first!.query).toMatchObject({ limit: '1000', since: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(first!.query.before).toBeUndefined();
    expect(second!.query).toMatchObject({
      limit: '1000',
      since: first!.query.since,
      before: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    // `since` is an hour before the first send: the 3000 older cards are outside it.
    expect(parseInt(first!.query.since!.slice(0, 8), 16) * 1000).toBeGreaterThan(
      Date.UTC(2025, 0, 6, 12) + HOUR - 1000,
    );
  });

  it(`never creates when more cards were made since the first send than ${TRELLO_LOOKUP_PAGES} pages hold: the DLQ with the reason`, async () => {
    rig = await writerRig({ definitions: { trello: { circuitBreaker: LENIENT_BREAKER } } });
    const command = create();
    await lostCreate(command);
    cardsOf(ref())[0]!.idList = TRELLO_SEED.lists.doing;
    rig.trello.addCards(TRELLO_LOOKUP_PAGES * 1000 + 1, { idList: TRELLO_SEED.lists.done });
    await rig.drain('trello');
    expect(boardReads()).toHaveLength(TRELLO_LOOKUP_PAGES);
    expect(requests('POST', '/1/cards')).toHaveLength(1);
    expect(cardsOf(ref())).toHaveLength(1);
    expect(await outcome(command)).toMatchObject({
      status: 'failed',
      lastError: { kind: 'permanent', message: expect.stringContaining('cannot rule out a card') },
    });
    expect(rig.queues.trello.dlq.list()[0]!.attributes[ATTR.failureKind]).toBe('permanent');
  });
});

describe('every client fault on a create without keys: look, then create again only if nothing is there', () => {
  it.each([
    ['a 500 before anything was created', { kind: 'status', status: 500 }],
    ['a 503 before anything was created', { kind: 'status', status: 503 }],
    ['a reset before anything was created', { kind: 'reset' }],
    ['a hang (timeout) before anything was created', { kind: 'hang' }],
    ['an HTML 502 page', { kind: 'html', status: 502 }],
    ['a 504 from a gateway', { kind: 'status', status: 504 }],
    ['a malformed 200 body', { kind: 'malformed', status: 200 }],
  ] as const)('%s: the lookup finds nothing, the create is sent again, one card', async (_name, fault) => {
    rig = await writerRig();
    rig.trello.faults.add(fault, { match: { method: 'POST', path: '/1/cards' } });
    const result = await run(create());
    expect(cardsOf(ref())).toHaveLength(1);
    expect(requests('POST', '/1/cards')).toHaveLength(2);
    // Without an answer (reset, timeout, a gateway's 504) the look and the second create wait for the redelivery.
    const answered =
      fault.kind !== 'reset' && fault.kind !== 'hang' && !(fault.kind === 'status' && fault.status === 504);
    expect(result).toMatchObject({ status: 'succeeded', action: 'created', attempts: answered ? 1 : 2 });
    // POST without an idempotency key: the client never retried it itself.
    expect(
      rig.events
        .filter((e) => e.type === 'attempt' && e.operation === 'POST /1/cards')
        .map((e) => (e as { attempt: number }).attempt),
    ).toEqual([1, 1]);
  });

  it('waits out a 429 (nothing was created, so no lookup) and creates once', async () => {
    rig = await writerRig();
    rig.trello.faults.add(
      { kind: 'status', status: 429, retryAfter: { seconds: 5 } },
      { match: { method: 'POST', path: '/1/cards' } },
    );
    const command = create();
    rig.send('trello', command);
    await rig.deliver('trello');
    expect(await outcome(command)).toMatchObject({
      status: 'retrying',
      lastError: { kind: 'retryable', message: expect.stringContaining('429') },
    });
    await rig.drain('trello');
    expect(cardsOf(ref())).toHaveLength(1);
    expect(requests('GET', `/1/boards/${TRELLO_SEED.board}/cards/all`)).toHaveLength(0);
  });

  it('paces a batch of creates through a fixed rate limit (100 per 10 s at Trello), one card each', async () => {
    rig = await writerRig();
    rig.trello.faults.update({ rateLimit: { limit: 3, windowMs: 10_000 } });
    const commands = Array.from({ length: 6 }, () => create());
    for (const c of commands) rig.send('trello', c);
    await rig.drain('trello');
    for (const c of commands) {
      expect(await outcome(c)).toMatchObject({ status: 'succeeded', action: 'created' });
      expect(cardsOf((c.input as { ref: string }).ref)).toHaveLength(1);
    }
    expect(rig.trello.log().some((r) => r.status === 429)).toBe(true);
  });

  it("spends only what Trello's x-rate-limit-api-token-remaining says is left, when another writer instance used the rest", async () => {
    rig = await writerRig();
    // Trello's own limit and headers: 100 requests per 10 s per token, no reset time, no Retry-After.
    rig.trello.faults.update({ rateLimit: { limit: 100, windowMs: 10_000, headers: 'trello', retryAfter: 'none' } });
    rig.time.advance(9_900);
    // The other writer instance (its own bucket) has sent 97 requests with the same token in this window.
    const auth = `key=${SECRETS.trello.apiKey}&token=${SECRETS.trello.token}`;
    for (let i = 0; i < 97; i += 1)
      await (await fetch(`${rig.trello.url}/1/boards/${TRELLO_SEED.board}/lists?${auth}`)).arrayBuffer();
    const first = [create(), create(), create()];
    for (const c of first) rig.send('trello', c);
    await rig.deliver('trello');
    const last = create();
    await run(last);
    for (const c of [...first, last])
      expect(await outcome(c)).toMatchObject({ status: 'succeeded', action: 'created' });
    expect(rig.trello.log().filter((r) => r.status === 429)).toEqual([]);
    // Trello said none were left: the fourth create waited out the 10 s window (rateLimit.headers.windowMs).
    expect(requests('POST', '/1/cards').at(-1)!.at).toBeGreaterThanOrEqual(Date.UTC(2025, 0, 6, 12, 0, 10));
  });

  it('gives up after the attempts in the definition and lets the next delivery reconcile first', async () => {
    rig = await writerRig();
    rig.trello.faults.add({ kind: 'status', status: 503 }, { match: { method: 'POST', path: '/1/cards' }, times: 4 });
    const command = create();
    rig.send('trello', command);
    await rig.deliver('trello');
    expect(requests('POST', '/1/cards')).toHaveLength(4);
    expect(await outcome(command)).toMatchObject({
      status: 'retrying',
      lastError: { message: expect.stringContaining('create outcome unknown') },
    });
    await rig.drain('trello');
    expect(cardsOf(ref())).toHaveLength(1);
    expect(requests('GET', `/1/boards/${TRELLO_SEED.board}/cards/all`)).toHaveLength(4);
  });

  it('finds a card a person moved to another list before the lookup', async () => {
    rig = await writerRig({ definitions: { trello: { circuitBreaker: LENIENT_BREAKER } } });
    const command = create();
    rig.trello.faults.add({ kind: 'commit-then-fail', drop: 'reset' }, { match: { method: 'POST', path: '/1/cards' } });
    // The lookup's first step fails once; meanwhile the card is moved to Doing.
    rig.trello.faults.add({ kind: 'status', status: 503 }, { match: { method: 'GET', path: '/1/lists' }, times: 4 });
    rig.send('trello', command);
    await rig.deliver('trello');
    const [card] = cardsOf(ref());
    card!.idList = TRELLO_SEED.lists.doing;
    await rig.drain('trello');
    expect(cardsOf(ref())).toHaveLength(1);
    expect(await outcome(command)).toMatchObject({ status: 'succeeded', action: 'reconciled', providerId: card!.id });
  });

  it('dead-letters a create Trello refuses (400 invalid value) at once, and frees the entity', async () => {
    rig = await writerRig();
    const command = create({ idList: 'aaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(await run(command)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: { kind: 'permanent', message: expect.stringContaining('400') },
    });
    const [dead] = rig.queues.trello.dlq.list();
    expect(dead!.attributes[ATTR.failureKind]).toBe('permanent');
    expect(await rig.externalIds.get({ provider: 'trello', entity: 'card', ref: ref() })).toBeUndefined();
  });
});
