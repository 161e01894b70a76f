import * as z from 'zod/mini';
import type { ClientRequest } from '../core/client/types';
import { IntegrationError } from '../core/errors';
import { refSchema } from '../core/writes/command';
import { writeOperation, type Call, type FindContext, type WritesSpec } from '../core/writes/types';
import { pick, pickString } from './payload';

const trelloId = z.string().check(z.regex(/^[0-9a-fA-F]{24}$/));
const due = z.nullable(z.iso.datetime({ offset: true }));
// Card fields and limits: https://developer.atlassian.com/cloud/trello/rest/api-group-cards/
const createInput = z.strictObject({
  ref: refSchema,
  idList: trelloId,
  name: z.string().check(z.minLength(1), z.maxLength(16384)),
  desc: z.optional(z.string().check(z.maxLength(16000))),
  due: z.optional(due),
  pos: z.optional(z.union([z.enum(['top', 'bottom']), z.number().check(z.positive())])),
});
const updateInput = z
  .strictObject({
    ref: refSchema,
    idList: z.optional(trelloId),
    name: z.optional(z.string().check(z.minLength(1), z.maxLength(16384))),
    desc: z.optional(z.string().check(z.maxLength(16000))),
    due: z.optional(due),
    closed: z.optional(z.boolean()),
  })
  .check(z.refine((v) => Object.keys(v).length > 1, { message: 'nothing to update' }));
type CardFields = { ref: string; idList?: string; name?: string; desc?: string; due?: string | null; closed?: boolean };

/**
 * The line that carries our id in a card's description: how a create whose answer was lost is found again.
 *
 * @example
 * withMarker('Broken export', 'T-1') // 'Broken export\n\n[integration-ref: T-1]'; hasMarker(thatText, 'T-1') // true
 */
export const trelloMarker = (ref: string): string => `[integration-ref: ${ref}]`;

/** The description we write: the caller's text, then the marker on its own line. */
export const withMarker = (desc: string | undefined, ref: string): string =>
  desc ? `${desc}\n\n${trelloMarker(ref)}` : trelloMarker(ref);

export const hasMarker = (desc: unknown, ref: string): boolean =>
  typeof desc === 'string' && desc.split('\n').some((line) => line.trim() === trelloMarker(ref));

const sameDue = (a: unknown, b: string | null): boolean =>
  a === null || a === undefined || b === null ? (a ?? null) === b : Date.parse(String(a)) === Date.parse(b);

/** The fields a command asks for that differ from the card as it is; empty when the write would change nothing. */
function changes(input: CardFields, current: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (input.name !== undefined && pick(current, 'name') !== input.name) out.name = input.name;
  if (input.desc !== undefined && pick(current, 'desc') !== withMarker(input.desc, input.ref))
    out.desc = withMarker(input.desc, input.ref);
  if (input.idList !== undefined && pick(current, 'idList') !== input.idList) out.idList = input.idList;
  if (input.due !== undefined && !sameDue(pick(current, 'due'), input.due)) out.due = input.due ?? '';
  if (input.closed !== undefined && pick(current, 'closed') !== input.closed) out.closed = String(input.closed);
  return out;
}

const read = (id: string): ClientRequest => ({
  path: `/cards/${encodeURIComponent(id)}`,
  query: { fields: 'name,desc,idList,due,closed' },
  operation: 'GET /1/cards/{id}',
});

// Trello has no idempotency keys, so an update reads the card first and sends only what differs (nothing: no write).
const update = (input: CardFields, id: string, current: unknown): ClientRequest | undefined => {
  const form = changes(input, current);
  return Object.keys(form).length === 0
    ? undefined
    : { method: 'PUT', path: `/cards/${encodeURIComponent(id)}`, form, operation: 'PUT /1/cards/{id}' };
};

const CARD_FIELDS = 'id,desc,idList,closed';
/** Trello returns at most 1000 cards a call (`limit`), newest first, and pages back with `before` (a card id). */
const PAGE = 1000;
/**
 * Pages of the board read at most: 5000 cards made since the first send; more and the writer stops rather than guess.
 */
export const TRELLO_LOOKUP_PAGES = 5;
/** Our clock and Trello's may disagree: cards are read from an hour before the first send. */
const SKEW_MS = 3_600_000;

/**
 * A Mongo ObjectId for a moment: Trello ids start with their creation time in seconds, so `since=<this>`
 * keeps only cards created after it.
 *
 * @example
 * objectIdAt(Date.UTC(2025, 0, 6)) // '677b1d000000000000000000'
 */
export const objectIdAt = (ms: number): string =>
  Math.max(0, Math.floor(ms / 1000))
    .toString(16)
    .padStart(8, '0') + '0'.repeat(16);

type Cards = { ok: true; value: { found?: string; ids: string[] } } | { ok: false; error: IntegrationError };

async function cardPage(
  call: Call,
  path: string,
  operation: string,
  ref: string,
  query: Record<string, string>,
): Promise<Cards> {
  const res = await call({ path, query: { fields: CARD_FIELDS, limit: String(PAGE), ...query }, operation });
  if (!res.ok) return res;
  const cards = Array.isArray(res.value.body) ? res.value.body : [];
  const found = pickString(
    cards.find((c) => hasMarker(pick(c, 'desc'), ref)),
    'id',
  );
  return {
    ok: true,
    value: { found, ids: cards.map((c) => pickString(c, 'id')).filter((id): id is string => id !== undefined) },
  };
}

/**
 * Finds the card a lost create may have made, by the marker line: first the cards of the target list (open
 * and archived), where it almost always is; then the board's cards (a person may have moved it), a page of
 * 1000 at a time, newest first, back to an hour before the first send, at most `TRELLO_LOOKUP_PAGES` pages:
 * a board with more cards made since then is an error, never a guess. Listing, not `/1/search`: search is
 * indexed asynchronously and can miss a card created seconds ago.
 */
async function findByMarker(input: { ref: string; idList: string }, call: Call, ctx: FindContext) {
  const since: Record<string, string> = ctx.since ? { since: objectIdAt(ctx.since.getTime() - SKEW_MS) } : {};
  const inList = await cardPage(call, `/lists/${input.idList}/cards`, 'GET /1/lists/{id}/cards', input.ref, {
    filter: 'all',
    ...since,
  });
  if (!inList.ok) return inList;
  if (inList.value.found) return { ok: true as const, value: inList.value.found };
  const list = await call({
    path: `/lists/${input.idList}`,
    query: { fields: 'idBoard' },
    operation: 'GET /1/lists/{id}',
  });
  if (!list.ok) return list;
  const board = pickString(list.value.body, 'idBoard');
  if (!board) return { ok: true as const, value: undefined };
  let before: string | undefined;
  for (let page = 1; page <= TRELLO_LOOKUP_PAGES; page += 1) {
    const cards = await cardPage(call, `/boards/${board}/cards/all`, 'GET /1/boards/{id}/cards/all', input.ref, {
      ...since,
      ...(before ? { before } : {}),
    });
    if (!cards.ok) return cards;
    if (cards.value.found) return { ok: true as const, value: cards.value.found };
    if (cards.value.ids.length < PAGE) return { ok: true as const, value: undefined };
    // biome-ignore lint/complexity/useMathMinMax: ids are hex strings, compared as strings
    before = cards.value.ids.reduce((a, b) => (a < b ? a : b));
  }
  const when = ctx.since ? `since ${ctx.since.toISOString()}` : 'in all';
  return {
    ok: false as const,
    error: new IntegrationError(
      'permanent',
      `trello board ${board} has more than ${TRELLO_LOOKUP_PAGES * PAGE} cards made ${when}: cannot rule out a card for ${input.ref}, not creating again`,
    ),
  };
}

/**
 * Trello writes: cards, without idempotency keys. `createCard` sends `POST /1/cards` with our id as a marker
 * in the description; when a create's answer is lost, the writer finds the card by that marker before it
 * creates again. Updates (`updateCard`, or `createCard` for a ref already mapped) compare first and skip
 * a write that would change nothing.
 */
export const trelloWrites: WritesSpec = {
  createCard: writeOperation<z.infer<typeof createInput>>({
    description: 'Create a card on a list (an update when this ref already has one)',
    input: createInput,
    entity: 'card',
    mode: 'create',
    create: (input) => {
      const form: Record<string, string> = {
        idList: input.idList,
        name: input.name,
        desc: withMarker(input.desc, input.ref),
      };
      if (input.due !== undefined) form.due = input.due ?? '';
      if (input.pos !== undefined) form.pos = String(input.pos);
      return { method: 'POST', path: '/cards', form, operation: 'POST /1/cards' };
    },
    idFrom: (body) => pickString(body, 'id'),
    read,
    update,
    reconcile: { strategy: 'lookup', find: findByMarker },
    endpoints: [
      'POST /1/cards',
      'GET /1/cards/{id}',
      'PUT /1/cards/{id}',
      'GET /1/lists/{id}',
      'GET /1/lists/{id}/cards',
      'GET /1/boards/{id}/cards/all',
    ],
  }),
  updateCard: writeOperation<z.infer<typeof updateInput>>({
    description: 'Update the card mapped to this ref (only the fields that differ)',
    input: updateInput,
    entity: 'card',
    mode: 'update',
    read,
    update,
    // Updates never create, so there is nothing to reconcile; PUT is idempotent and retried by the client.
    reconcile: { strategy: 'lookup', find: async () => ({ ok: true, value: undefined }) },
    endpoints: ['GET /1/cards/{id}', 'PUT /1/cards/{id}'],
  }),
};
