import { describe, expect, it } from 'vitest';
import { trello, TRELLO_VOTE_ON_CARD } from '../../../lambdas/providers/trello';
import { thrownKind, webhookEvent } from '../../helpers/webhook-event';

const map = (body: unknown) => trello.webhook!.map(webhookEvent('trello', body));
const input = (body: unknown) => ({ headers: {}, rawBody: JSON.stringify(body), body });

describe('trello mapping', () => {
  it("keys the documented action's card by id, versioned by the action date", () => {
    const [change] = map(TRELLO_VOTE_ON_CARD);
    expect(change).toMatchObject({
      type: 'card',
      key: '51a79e72dbb7e23c7c003778',
      version: Date.parse('2013-07-31T16:58:51.949Z'),
    });
    expect(change!.data).toMatchObject({
      name: 'Webhooks',
      idBoard: '4d5ea62fd76aa1136000000c',
      lastAction: 'voteOnCard',
      by: 'doug',
    });
  });

  it('falls back to the list, then the board, when the action is not about a card', () => {
    const { card: _, ...boardOnly } = TRELLO_VOTE_ON_CARD.action.data;
    const list = {
      ...TRELLO_VOTE_ON_CARD,
      action: {
        ...TRELLO_VOTE_ON_CARD.action,
        type: 'createList',
        data: { ...boardOnly, list: { id: 'l1', name: 'Doing' } },
      },
    };
    expect(map(list)[0]).toMatchObject({ type: 'list', key: 'l1', data: { idBoard: '4d5ea62fd76aa1136000000c' } });
    const board = {
      ...TRELLO_VOTE_ON_CARD,
      action: { ...TRELLO_VOTE_ON_CARD.action, type: 'updateBoard', data: boardOnly },
    };
    expect(map(board)[0]).toMatchObject({ type: 'board', key: '4d5ea62fd76aa1136000000c' });
  });

  it('follows a card moved to another list, and marks a deleted card', () => {
    const moved = {
      ...TRELLO_VOTE_ON_CARD,
      action: {
        ...TRELLO_VOTE_ON_CARD.action,
        type: 'updateCard',
        data: { ...TRELLO_VOTE_ON_CARD.action.data, listBefore: { id: 'a' }, listAfter: { id: 'b' } },
      },
    };
    expect(map(moved)[0]!.data.idList).toBe('b');
    const deleted = { ...TRELLO_VOTE_ON_CARD, action: { ...TRELLO_VOTE_ON_CARD.action, type: 'deleteCard' } };
    expect(map(deleted)[0]!.data.deleted).toBe(true);
  });

  it('takes the event id and time from the action', () => {
    expect(trello.webhook!.eventId(input(TRELLO_VOTE_ON_CARD))).toBe('51f9424bcd6e040f3c002412');
    expect(trello.webhook!.eventTime!(input(TRELLO_VOTE_ON_CARD))).toBe(Date.parse('2013-07-31T16:58:51.949Z'));
    expect(trello.webhook!.eventId(input({}))).toBeUndefined();
  });

  it('rejects an action without id or date as invalid_payload', () => {
    expect(thrownKind(() => map({ model: { id: 'm' }, action: { type: 'x', data: {} } }))).toBe('invalid_payload');
    expect(
      thrownKind(() => map({ ...TRELLO_VOTE_ON_CARD, action: { ...TRELLO_VOTE_ON_CARD.action, date: 'later' } })),
    ).toBe('invalid_payload');
  });

  it('answers HEAD, signs with the app secret over a configurable callback URL, calls the API with key and token', () => {
    expect(trello.webhook).toMatchObject({
      scheme: 'trello',
      secret: 'appSecret',
      allowHead: true,
      callbackUrlSecret: 'callbackUrl',
    });
    expect(trello.auth).toEqual({
      kind: 'apiKeys',
      in: 'query',
      keys: [
        { name: 'key', secret: 'apiKey' },
        { name: 'token', secret: 'token' },
      ],
    });
  });
});
