import * as z from 'zod/mini';
import type { ClientRequest } from '../core/client/types';
import { refSchema } from '../core/writes/command';
import { writeOperation, type Call, type WritesSpec } from '../core/writes/types';
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
export const withMarker = (desc: string | undefined, ref: string): string => (desc ? `${desc}\n\n${trelloMarker(ref)}` : trelloMarker(ref));

export const hasMarker = (desc: unknown, ref: string): boolean => typeof desc === 'string' && desc.split('\n').some((line) => line.trim() === trelloMarker(ref));

const sameDue = (a: unknown, b: string | null): boolean => (a === null || a === undefined || b === null ? (a ?? null) === b : Date.parse(String(a)) === Date.parse(b));

/** The fields a command asks for that differ from the card as it is; empty when the write would change nothing. */
function changes(input: CardFields, current: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (input.name !== undefined && pick(current, 'name') !== input.name) out.name = input.name;
  if (input.desc !== undefined && pick(current, 'desc') !== withMarker(input.desc, input.ref)) out.desc = withMarker(input.desc, input.ref);
  if (input.idList !== undefined && pick(current, 'idList') !== input.idList) out.idList = input.idList;
  if (input.due !== undefined && !sameDue(pick(current, 'due'), input.due)) out.due = input.due ?? '';
  if (input.closed !== undefined && pick(current, 'closed') !== input.closed) out.closed = String(input.closed);
  return out;
}

const read = (id: string): ClientRequest => ({ path: `/cards/${encodeURIComponent(id)}`, query: { fields: 'name,desc,idList,due,closed' }, operation: 'GET /1/cards/{id}' });

// Trello has no idempotency keys, so an update reads the card first and sends only what differs (nothing: no write).
const update = (input: CardFields, id: string, current: unknown): ClientRequest | undefined => {
  const form = changes(input, current);
  return Object.keys(form).length === 0 ? undefined : { method: 'PUT', path: `/cards/${encodeURIComponent(id)}`, form, operation: 'PUT /1/cards/{id}' };
};

/**
 * Finds the card a lost create may have made: the board of the list, then every card on that board (open
 * and archived), matched by the marker line. Listing, not `/1/search`: search is indexed asynchronously
 * and can miss a card created seconds ago; listing also finds a card moved to another list since.
 */
async function findByMarker(input: { ref: string; idList: string }, call: Call) {
  const list = await call({ path: `/lists/${input.idList}`, query: { fields: 'idBoard' }, operation: 'GET /1/lists/{id}' });
  if (!list.ok) return list;
  const board = pickString(list.value.body, 'idBoard');
  if (!board) return { ok: true as const, value: undefined };
  const cards = await call({ path: `/boards/${board}/cards/all`, query: { fields: 'id,desc,idList,closed' }, operation: 'GET /1/boards/{id}/cards/all' });
  if (!cards.ok) return cards;
  const found = (Array.isArray(cards.value.body) ? cards.value.body : []).find((c) => hasMarker(pick(c, 'desc'), input.ref));
  return { ok: true as const, value: pickString(found, 'id') };
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
      const form: Record<string, string> = { idList: input.idList, name: input.name, desc: withMarker(input.desc, input.ref) };
      if (input.due !== undefined) form.due = input.due ?? '';
      if (input.pos !== undefined) form.pos = String(input.pos);
      return { method: 'POST', path: '/cards', form, operation: 'POST /1/cards' };
    },
    idFrom: (body) => pickString(body, 'id'),
    read,
    update,
    reconcile: { strategy: 'lookup', find: findByMarker },
    endpoints: ['POST /1/cards', 'GET /1/cards/{id}', 'PUT /1/cards/{id}', 'GET /1/lists/{id}', 'GET /1/boards/{id}/cards/all'],
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
