import * as z from 'zod/mini';
import { isoMs, parsePayload, pickIsoMs, pickString } from './payload';
import type { WebhookSamples } from './samples';
import { trelloCards } from './trello-polls';
import { trelloActions } from './trello-recover';
import { trelloWrites } from './trello-writes';
import type { EntityChange, ProviderDefinition, WebhookEvent } from '../core/provider';

const ref = z.looseObject({ id: z.string() });
// The webhook body is `{ action, model }`: https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/
const trelloWebhook = z.looseObject({
  action: z.looseObject({
    id: z.string(),
    type: z.string(),
    date: z.string(),
    data: z.looseObject({
      card: z.optional(ref),
      list: z.optional(ref),
      board: z.optional(ref),
      listAfter: z.optional(ref),
    }),
    memberCreator: z.optional(z.looseObject({ username: z.optional(z.string()) })),
  }),
  model: ref,
});

/**
 * The action's view of the card, list or board it is about (the most specific one present), versioned by
 * the action's date; actions about nothing of these are kept once each, by action id.
 */
function mapTrello(event: WebhookEvent): EntityChange[] {
  const { action } = parsePayload('trello', 'webhook', trelloWebhook, event.body);
  const version = isoMs('trello', 'action.date', action.date);
  const about = { lastAction: action.type, actionId: action.id, by: action.memberCreator?.username };
  const { card, list, board, listAfter } = action.data;
  if (card) {
    const idList = (listAfter ?? list)?.id;
    const data = { ...card, ...(idList ? { idList } : {}), ...(board ? { idBoard: board.id } : {}), ...about };
    return [
      { type: 'card', key: card.id, version, data: action.type === 'deleteCard' ? { ...data, deleted: true } : data },
    ];
  }
  if (list)
    return [
      { type: 'list', key: list.id, version, data: { ...list, ...(board ? { idBoard: board.id } : {}), ...about } },
    ];
  if (board) return [{ type: 'board', key: board.id, version, data: { ...board, ...about } }];
  return [{ type: `event:${action.type}`, key: action.id, version, data: about }];
}

/**
 * Trello allows 100 requests per 10 s per token (300 per key):
 * developer.atlassian.com/cloud/trello/guides/rest-api/rate-limits
 */
export const TRELLO_TOKEN_LIMIT = { requests: 100, windowMs: 10_000 };
/**
 * Writer instances that may run at once, each with its own bucket: the command queue's `maxConcurrency`
 * (lib/command-integration.ts, default 2).
 */
export const TRELLO_INSTANCES = 2;
/** Requests one instance sends at once before it has read Trello's count: one batch of commands (5). */
const BURST = 5;
// Each instance gets its share of the window less two bursts: its own, and slack for an instance that replaces
// another mid-window and sends its first batch before it has read Trello's remaining count. 4/s, burst 5.
const perSecond = (TRELLO_TOKEN_LIMIT.requests / TRELLO_INSTANCES - 2 * BURST) / (TRELLO_TOKEN_LIMIT.windowMs / 1000);

export const trello: ProviderDefinition = {
  name: 'trello',
  displayName: 'Trello',
  baseUrl: 'https://api.trello.com',
  apiVersion: { value: '1', in: 'path' },
  auth: {
    kind: 'apiKeys',
    in: 'query',
    keys: [
      { name: 'key', secret: 'apiKey' },
      { name: 'token', secret: 'token' },
    ],
  },
  secrets: ['appSecret', 'apiKey', 'token', 'callbackUrl', 'boards'],
  // Every instance together under the token's limit; each also caps itself at what Trello says remains in the
  // window (the header names no reset time: none left holds calls for the 10 s window).
  rateLimit: {
    requestsPerSecond: perSecond,
    burst: BURST,
    headers: { remaining: 'x-rate-limit-api-token-remaining', windowMs: 10_000 },
  },
  // Writes: no idempotency keys; creates are reconciled by a marker in the card (trello-writes.ts).
  writes: process.env.BUNDLED_WRITES === 'no' ? undefined : trelloWrites,
  webhook: {
    scheme: 'trello',
    // Trello signs with the application's OAuth secret (trello.com/app-key), not the API key or a token.
    secret: 'appSecret',
    callbackUrlSecret: 'callbackUrl',
    allowHead: true,
    eventId: ({ body }) => pickString(body, 'action', 'id'),
    eventTime: ({ body }) => pickIsoMs(body, 'action', 'date'),
    map: mapTrello,
  },
  polls: [trelloCards],
  recover: process.env.BUNDLED_RECOVER === 'no' ? undefined : [trelloActions],
};

// Documented sample deliveries: for local tools and tests only (see samples.ts).

/** Trello, the example webhook request body (Trello developer docs, "Triggering Webhooks"). */
export const TRELLO_VOTE_ON_CARD = {
  action: {
    id: '51f9424bcd6e040f3c002412',
    idMemberCreator: '4fc78a59a885233f4b349bd9',
    data: {
      board: { name: 'Trello Development', id: '4d5ea62fd76aa1136000000c' },
      card: { idShort: 1458, name: 'Webhooks', id: '51a79e72dbb7e23c7c003778' },
      voted: true,
    },
    type: 'voteOnCard',
    date: '2013-07-31T16:58:51.949Z',
    memberCreator: {
      id: '4fc78a59a885233f4b349bd9',
      avatarHash: '2da34d23b5f1ac1a20e2a01157bfa9fe',
      fullName: 'Doug Patti',
      initials: 'DP',
      username: 'doug',
    },
  },
  model: {
    id: '4d5ea62fd76aa1136000000c',
    name: 'Trello Development',
    desc: 'Trello board used by the Trello team to track work on Trello.  How meta!\n\nThe development of the Trello API is being tracked at https://trello.com/api\n\nThe development of Trello Mobile applications is being tracked at https://trello.com/mobile',
    closed: false,
    idOrganization: '4e1452614e4b8698470000e0',
    pinned: true,
    url: 'https://trello.com/b/nC8QJJoZ/trello-development',
    prefs: {
      permissionLevel: 'public',
      voting: 'public',
      comments: 'public',
      invitations: 'members',
      selfJoin: false,
      cardCovers: true,
      canBePublic: false,
      canBeOrg: false,
      canBePrivate: false,
      canInvite: true,
    },
    labelNames: {
      yellow: 'Infrastructure',
      red: 'Bug',
      purple: "Repro'd",
      orange: 'Feature',
      green: 'Mobile',
      blue: 'Verified',
    },
  },
};

/** Trello, the docs' example callbackURL (webhook creation). */
export const TRELLO_CALLBACK_URL = 'https://mycallback.com/trelloCallbacks/?memberID=14&mainModel=true';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export const trelloSamples: WebhookSamples = {
  documented: ({ now, ids }) => {
    const action = { ...TRELLO_VOTE_ON_CARD.action, id: ids.hex(24), date: now.toISOString() };
    return { body: JSON.stringify({ ...TRELLO_VOTE_ON_CARD, action }), headers: {} };
  },
  entity: (index) => ({ type: 'card', key: `51a79e72dbb7e23c${hex(index, 8)}` }),
  eventId: (ids) => ids.hex(24),
  event: (e) => {
    const action = TRELLO_VOTE_ON_CARD.action;
    const card = { ...action.data.card, id: e.key, ...(e.text !== undefined ? { desc: e.text } : {}) };
    const date = e.poison ? 'not a date' : new Date(e.version).toISOString();
    const body = { ...TRELLO_VOTE_ON_CARD, action: { ...action, id: e.eventId, date, data: { ...action.data, card } } };
    return { body: JSON.stringify(body), headers: {} };
  },
};
