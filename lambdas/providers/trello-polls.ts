import * as z from 'zod/mini';
import type { PollSpec, TargetsSpec } from '../core/provider';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Trello's polls and recoveries run per board, the ids listed in the `boards` secret. */
export const BOARDS: TargetsSpec = { secret: 'boards', describe: 'board id' };

/** A board's API path, or its `{id}` template (the operation name) for none. */
export const boardPath = (board: string | undefined) =>
  `/boards/${board === undefined ? '{id}' : encodeURIComponent(board)}`;

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
