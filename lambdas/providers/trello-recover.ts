import * as z from 'zod/mini';
import type { PollSpec, RecoverySpec, TargetsSpec } from '../core/provider';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const BOARDS: TargetsSpec = { secret: 'boards', describe: 'board id' };

/** The smallest ObjectId of a second: Trello's ids start with their creation time, so ids bound a span exactly. */
export const objectIdAt = (ms: number): string =>
  Math.floor(ms / 1000)
    .toString(16)
    .padStart(8, '0') + '0'.repeat(16);

const boardPath = (board: string | undefined) => `/boards/${board === undefined ? '{id}' : encodeURIComponent(board)}`;

// An Action (developer.atlassian.com/cloud/trello/rest/api-group-actions): what a board webhook carries as `action`.
const action = z.looseObject({ id: z.string(), type: z.string(), date: z.string(), data: z.looseObject({}) });

/**
 * Trello retries a webhook 3 times, then drops it; its board actions are what the webhooks carry. Each settled
 * hour, per board: `GET /1/boards/{id}/actions` from the hour's first ObjectId (`since`) to the next hour's
 * (`before`), 1000 a page, newest first, `before` the oldest action of a page to go on. Each action goes to the
 * queue as the webhook body `{ action, model }` (model: the board), with the action's id as the event id.
 * Trello keeps no delivery status, so every action is queued again: the processor skips those it applied.
 */
export const trelloActions: RecoverySpec<z.infer<typeof action>> = {
  name: 'actions',
  description: "board actions (what Trello's webhooks carry) queued again per settled hour",
  schedule: 'rate(1 hour)',
  targets: BOARDS,
  request: (w, board) => ({
    path: `${boardPath(board)}/actions`,
    query: { since: objectIdAt(w.from), before: objectIdAt(w.to), limit: 1000 },
    operation: 'GET /1/boards/{id}/actions',
  }),
  pagination: { style: 'cursor', cursorParam: 'before', cursorPath: 'id', from: 'lastRecord' },
  schema: { record: action },
  // Three retries within minutes, then Trello gives up: after 15 minutes an action is missed if it is not in.
  window: { sizeMs: HOUR, start: '2024-01-01', firstRunBackMs: DAY, settleMs: 15 * MINUTE },
  timeoutSeconds: 300,
  deliver: {
    kind: 'enqueue',
    event: (a, board) => ({
      eventId: a.id,
      body: JSON.stringify({ action: a, model: { id: board } }),
      headers: {},
    }),
  },
  limits: 'actions on models other than the configured boards; nothing older than what the board lists',
};

// A Card (developer.atlassian.com/cloud/trello/rest/api-group-cards): the fields the records keep.
const card = z.looseObject({
  id: z.string(),
  name: z.string(),
  idList: z.string(),
  idBoard: z.string(),
  closed: z.boolean(),
  dateLastActivity: z.string(),
});
const CARD_FIELDS =
  'id,name,desc,idList,idBoard,closed,due,dueComplete,idMembers,idLabels,pos,shortUrl,dateLastActivity';

/**
 * The cards of each configured board, open and archived, so the last known state exists before any webhook
 * arrives: `GET /1/boards/{id}/cards/all`, 1000 a page newest first, `before` the oldest card of a page. Trello
 * has no "changed since" filter, so every run reads every card; a card is written only when it changed, versioned
 * by its `dateLastActivity` as webhooks are by their action's date. A deleted card simply stops being listed.
 */
export const trelloCards: PollSpec<z.infer<typeof card>> = {
  name: 'cards',
  description: 'every card of the configured boards (last known state)',
  schedule: 'rate(1 hour)',
  type: 'card',
  targets: BOARDS,
  request: (_w, board) => ({
    path: `${boardPath(board)}/cards/all`,
    query: { fields: CARD_FIELDS },
    operation: 'GET /1/boards/{id}/cards/all',
  }),
  pagination: {
    style: 'cursor',
    cursorParam: 'before',
    cursorPath: 'id',
    from: 'lastRecord',
    sizeParam: 'limit',
    pageSize: 1000,
  },
  schema: { record: card },
  record: (c) => ({ key: c.id, version: Date.parse(c.dateLastActivity), data: c }),
  // One window a day, fetched each run until the day is over: one read of each board per run.
  window: { sizeMs: DAY, start: '2024-01-01', firstRunBackMs: 0 },
  timeoutSeconds: 300,
};
