import * as z from 'zod/mini';
import { isoMs, parsePayload, pickIsoMs, pickString } from './payload';
import { trelloWrites } from './trello-writes';
import type { EntityChange, ProviderDefinition, WebhookEvent } from './types';

const ref = z.looseObject({ id: z.string() });
// The webhook body is `{ action, model }`: https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/
const trelloWebhook = z.looseObject({
  action: z.looseObject({
    id: z.string(),
    type: z.string(),
    date: z.string(),
    data: z.looseObject({ card: z.optional(ref), list: z.optional(ref), board: z.optional(ref), listAfter: z.optional(ref) }),
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
    return [{ type: 'card', key: card.id, version, data: action.type === 'deleteCard' ? { ...data, deleted: true } : data }];
  }
  if (list) return [{ type: 'list', key: list.id, version, data: { ...list, ...(board ? { idBoard: board.id } : {}), ...about } }];
  if (board) return [{ type: 'board', key: board.id, version, data: { ...board, ...about } }];
  return [{ type: `event:${action.type}`, key: action.id, version, data: about }];
}

export const trello: ProviderDefinition = {
  name: 'trello',
  displayName: 'Trello',
  baseUrl: 'https://api.trello.com',
  apiVersion: { value: '1', in: 'path' },
  auth: { kind: 'apiKeys', in: 'query', keys: [{ name: 'key', secret: 'apiKey' }, { name: 'token', secret: 'token' }] },
  secrets: ['appSecret', 'apiKey', 'token', 'callbackUrl'],
  // 100 requests per 10 seconds per token.
  rateLimit: { requestsPerSecond: 10, burst: 100 },
  // Writes: no idempotency keys; creates are reconciled by a marker in the card (trello-writes.ts).
  writes: trelloWrites,
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
};
