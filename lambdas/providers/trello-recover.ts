import * as z from 'zod/mini';
import type { RecoverySpec } from '../core/provider';
import { BOARDS, boardPath } from './trello-polls';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The smallest ObjectId of a second: Trello's ids start with their creation time, so ids bound a span exactly. */
export const objectIdAt = (ms: number): string =>
  Math.floor(ms / 1000)
    .toString(16)
    .padStart(8, '0') + '0'.repeat(16);

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
