import { ProviderSimulator, type SimRequest, type SimResponse, type SimulatorOptions } from './base';
import { RETRY_SCHEDULES, WebhookSender } from './sender';

export interface TrelloSimulatorOptions extends Omit<SimulatorOptions, 'auth'> {
  /** Query credentials callers must send (`?key=...&token=...`). */
  apiKey: string;
  token: string;
  /** Most cards one request may return before Trello refuses it with `API_TOO_MANY_CARDS_REQUESTED` (default 1000). */
  maxCardsPerRequest?: number;
}

export interface TrelloBoard {
  id: string;
  name: string;
  closed: boolean;
  url: string;
}

export interface TrelloList {
  id: string;
  name: string;
  closed: boolean;
  idBoard: string;
  pos: number;
}

/** The Card object (the fields a create returns): https://developer.atlassian.com/cloud/trello/rest/api-group-cards/ */
export interface TrelloCard {
  id: string;
  badges: Record<string, unknown>;
  checkItemStates: unknown[];
  closed: boolean;
  dueComplete: boolean;
  dateLastActivity: string;
  desc: string;
  descData: { emoji: Record<string, unknown> };
  due: string | null;
  dueReminder: number | null;
  email: string | null;
  idBoard: string;
  idChecklists: string[];
  idList: string;
  idMembers: string[];
  idMembersVoted: string[];
  idShort: number;
  idAttachmentCover: string | null;
  labels: unknown[];
  idLabels: string[];
  manualCoverAttachment: boolean;
  name: string;
  pos: number;
  shortLink: string;
  shortUrl: string;
  start: string | null;
  subscribed: boolean;
  url: string;
  isTemplate: boolean;
  cardRole: string | null;
}

/** An Action (developer.atlassian.com/cloud/trello/rest/api-group-actions): what a board webhook carries. */
export interface TrelloAction {
  id: string;
  idMemberCreator: string;
  type: string;
  date: string;
  data: {
    board?: { id: string; name?: string };
    card?: Record<string, unknown>;
    list?: Record<string, unknown>;
  } & Record<string, unknown>;
  memberCreator?: Record<string, unknown>;
}

/** The ids the simulator seeds, fixed so the local stack can print them. */
export const TRELLO_SEED = {
  board: '5f3c0a1b2c3d4e5f60718293',
  lists: { todo: '5f3c0a1b2c3d4e5f60718294', doing: '5f3c0a1b2c3d4e5f60718295', done: '5f3c0a1b2c3d4e5f60718296' },
} as const;

const ID = /^[0-9a-fA-F]{24}$/;
// Trello answers errors as short plain-text bodies.
const text = (status: number, message: string): SimResponse => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  raw: message,
});
const NOT_FOUND = () => text(404, 'The requested resource was not found.');

function pickFields<T extends object>(value: T, fields: string | null): Partial<T> {
  if (!fields || fields === 'all') return value;
  const wanted = new Set(['id', ...fields.split(',').map((f) => f.trim())]);
  return Object.fromEntries(Object.entries(value).filter(([k]) => wanted.has(k))) as Partial<T>;
}

/** Parameters from the query string and the body (form or JSON), as Trello reads them. */
function params(req: SimRequest): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(req.query);
  if (!req.body) return out;
  if ((req.headers['content-type'] ?? '').includes('json')) {
    const body = JSON.parse(req.body) as Record<string, unknown>;
    for (const [k, v] of Object.entries(body)) out[k] = v === null ? '' : String(v);
  } else {
    for (const [k, v] of new URLSearchParams(req.body)) out[k] = v;
  }
  return out;
}

/**
 * Trello's boards, lists and cards: `POST /1/cards`, `PUT /1/cards/{id}`, `GET /1/cards/{id}`,
 * `GET /1/lists/{id}`, `GET /1/lists/{id}/cards`, `GET /1/boards/{id}/lists`, `GET /1/boards/{id}/cards/{filter}`,
 * with `key`/`token` query auth, `fields` selection, card paging (`limit` up to 1000, newest first, `before`/`since`;
 * too many cards without a limit is `API_TOO_MANY_CARDS_REQUESTED`), Trello's plain-text errors (`invalid id`,
 * 404s), and no idempotency keys: a create sent twice makes two cards. Seeds one board with To Do, Doing and Done
 * lists.
 *
 * @example
 * const sim = new TrelloSimulator({ apiKey, token });
 * const url = await sim.listen();
 * sim.faults.add({ kind: 'commit-then-fail', drop: 'reset' }, { match: { method: 'POST', path: '/1/cards' } });
 */
export class TrelloSimulator extends ProviderSimulator {
  readonly boards = new Map<string, TrelloBoard>();
  readonly lists = new Map<string, TrelloList>();
  readonly cards = new Map<string, TrelloCard>();
  /** Every action, oldest first: what `GET /1/boards/{id}/actions` lists and the board's webhook carries. */
  readonly actions: TrelloAction[] = [];
  /** The board webhook's sender: 3 retries, then Trello drops the action. */
  readonly sender: WebhookSender;
  private sequence = 0;

  constructor(opts: TrelloSimulatorOptions) {
    super({
      ...opts,
      auth: {
        kind: 'apiKeys',
        in: 'query',
        keys: [
          { name: 'key', value: opts.apiKey },
          { name: 'token', value: opts.token },
        ],
      },
    });
    this.boards.set(TRELLO_SEED.board, {
      id: TRELLO_SEED.board,
      name: 'Integration board',
      closed: false,
      url: 'https://trello.com/b/sImBoArD/integration-board',
    });
    for (const [i, id] of Object.values(TRELLO_SEED.lists).entries()) {
      this.lists.set(id, {
        id,
        name: ['To Do', 'Doing', 'Done'][i]!,
        closed: false,
        idBoard: TRELLO_SEED.board,
        pos: (i + 1) * 16384,
      });
    }

    this.route('POST', '/1/cards', (req) => this.create(params(req)));
    this.route('PUT', '/1/cards/:id', (req) => this.withCard(req.params.id!, (card) => this.update(card, params(req))));
    this.route('GET', '/1/cards/:id', (req) =>
      this.withCard(req.params.id!, (card) => ({ body: pickFields(card, req.query.get('fields')) })),
    );
    this.route('GET', '/1/lists/:id', (req) =>
      this.withList(req.params.id!, (list) => ({ body: pickFields(list, req.query.get('fields')) })),
    );
    this.route('GET', '/1/lists/:id/cards', (req) =>
      this.withList(req.params.id!, (list) =>
        this.cardList(req, req.query.get('filter') ?? 'open', (c) => c.idList === list.id),
      ),
    );
    this.route('GET', '/1/boards/:id/lists', (req) =>
      this.withBoard(req.params.id!, (board) => ({
        body: [...this.lists.values()].filter((l) => l.idBoard === board.id && !l.closed),
      })),
    );
    this.route('GET', '/1/boards/:id/cards/:filter', (req) =>
      this.withBoard(req.params.id!, (board) => this.cardList(req, req.params.filter!, (c) => c.idBoard === board.id)),
    );
    this.route('GET', '/1/boards/:id/actions', (req) =>
      this.withBoard(req.params.id!, (board) => this.actionList(req, board)),
    );
    this.maxCards = opts.maxCardsPerRequest ?? 1000;
    this.sender = new WebhookSender(this.timeline, RETRY_SCHEDULES.trello);
  }

  /**
   * Records an action on its board (`data.board.id`) and sends the board webhook `{ action, model }` when a target is
   * set; an action without an id gets one of now (an ObjectId starts with its second), without a date, now.
   */
  recordAction(input: Omit<TrelloAction, 'id' | 'date'> & { id?: string; date?: string }): TrelloAction {
    const action: TrelloAction = {
      ...input,
      id: input.id ?? this.newId(),
      date: input.date ?? new Date(this.now()).toISOString(),
    };
    this.actions.push(action);
    const boardId = action.data.board?.id;
    const model = (boardId && this.boards.get(boardId)) || { id: boardId };
    if (this.sender.target)
      this.sender.deliver({ id: action.id, body: JSON.stringify({ action, model }), headers: {} });
    return action;
  }

  /**
   * `GET /1/boards/{id}/actions`: newest first, `limit` 0-1000 (default 50), `filter` (action types, default all),
   * `since`/`before` as a date (compared with the action's date) or an ObjectId (compared with its id).
   */
  private actionList(req: SimRequest, board: TrelloBoard): SimResponse {
    const bound = (name: string): ((a: TrelloAction) => number) | undefined | false => {
      const v = req.query.get(name);
      if (v === null) return undefined;
      if (ID.test(v))
        return (a) => (a.id.toLowerCase() < v.toLowerCase() ? -1 : a.id.toLowerCase() > v.toLowerCase() ? 1 : 0);
      const ms = Date.parse(v);
      return Number.isNaN(ms) ? false : (a) => Math.sign(Date.parse(a.date) - ms);
    };
    const since = bound('since');
    const before = bound('before');
    if (since === false) return text(400, 'invalid value for since');
    if (before === false) return text(400, 'invalid value for before');
    const limit = Number(req.query.get('limit') ?? 50);
    if (!(Number.isInteger(limit) && limit >= 0 && limit <= 1000)) return text(400, 'invalid value for limit');
    const filter = req.query.get('filter') ?? 'all';
    const types = filter === 'all' ? undefined : new Set(filter.split(','));
    const list = this.actions
      .filter(
        (a) =>
          a.data.board?.id === board.id &&
          (!types || types.has(a.type)) &&
          (!since || since(a) > 0) &&
          (!before || before(a) < 0),
      )
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, limit);
    return { body: list };
  }

  private readonly maxCards: number;

  protected override snapshot(): unknown {
    return { cards: [...this.cards.values()], sequence: this.sequence };
  }

  protected override restore(data: unknown): void {
    const d = data as { cards?: TrelloCard[]; sequence?: number };
    for (const c of d.cards ?? []) this.cards.set(c.id, c);
    this.sequence = Math.max(this.sequence, d.sequence ?? 0);
  }

  /**
   * Adds `count` cards to a list at once, as other people's work (a big board for tests); each `spacingMs`
   * apart on the simulator's clock, ending now. Returns their ids, oldest first.
   */
  addCards(count: number, opts: { idList: string; name?: string; closed?: boolean; spacingMs?: number }): string[] {
    const list = this.lists.get(opts.idList);
    if (!list) throw new Error(`no list ${opts.idList}`);
    const spacing = opts.spacingMs ?? 0;
    const end = this.now();
    let pos = (this.cardsWhere((c) => c.idList === list.id).at(-1)?.pos ?? 0) + 16384;
    const onBoard = this.cardsWhere((c) => c.idBoard === list.idBoard).length;
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const id = this.newId(end - (count - 1 - i) * spacing);
      this.cards.set(id, {
        ...this.blankCard(id, list, opts.name ?? `Card ${i + 1}`, pos, onBoard + i + 1),
        closed: opts.closed ?? false,
      });
      pos += 16384;
      ids.push(id);
    }
    return ids;
  }

  /**
   * Cards by filter (`all`, `closed`, `open`, `visible`), with `fields`, and Trello's paging: `limit` (at
   * most 1000) returns the newest cards first, `before`/`since` (a card id or a date) bound them by creation.
   * Without a limit, a request for more than `maxCardsPerRequest` cards is refused as Trello refuses it.
   */
  private cardList(req: SimRequest, filter: string, where: (c: TrelloCard) => boolean): SimResponse {
    const keep =
      filter === 'all'
        ? () => true
        : filter === 'closed'
          ? (c: TrelloCard) => c.closed
          : filter === 'open' || filter === 'visible'
            ? (c: TrelloCard) => !c.closed
            : undefined;
    if (!keep) return text(400, 'invalid value for filter');
    const bound = (name: string): string | undefined | false => {
      const v = req.query.get(name);
      if (v === null) return undefined;
      if (ID.test(v)) return v.toLowerCase();
      const ms = Date.parse(v);
      return Number.isNaN(ms)
        ? false
        : Math.floor(ms / 1000)
            .toString(16)
            .padStart(8, '0') + '0'.repeat(16);
    };
    const before = bound('before');
    const since = bound('since');
    if (before === false) return text(400, 'invalid value for before');
    if (since === false) return text(400, 'invalid value for since');
    const rawLimit = req.query.get('limit');
    const limit = rawLimit === null ? undefined : Number(rawLimit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0 && limit <= 1000))
      return text(400, 'invalid value for limit');
    let cards = this.cardsWhere(
      (c) => where(c) && keep(c) && (before === undefined || c.id < before) && (since === undefined || c.id > since),
    );
    if (limit !== undefined) cards = cards.sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, limit);
    else if (cards.length > this.maxCards)
      return {
        status: 403,
        body: { message: 'Requested too many cards, use a limit', error: 'API_TOO_MANY_CARDS_REQUESTED' },
      };
    return { body: cards.map((c) => pickFields(c, req.query.get('fields'))) };
  }

  /** Cards whose description carries this text (tests: how many cards one ref ended up with). */
  cardsWith(text: string): TrelloCard[] {
    return this.cardsWhere((c) => c.desc.includes(text));
  }

  private cardsWhere(keep: (c: TrelloCard) => boolean): TrelloCard[] {
    return [...this.cards.values()].filter(keep).sort((a, b) => a.pos - b.pos);
  }

  // Trello ids are MongoDB ObjectIds: 4 bytes of seconds, then a counter.
  newId(at = this.now()): string {
    this.sequence += 1;
    return (
      Math.floor(at / 1000)
        .toString(16)
        .padStart(8, '0')
        .slice(-8) + this.sequence.toString(16).padStart(16, '0')
    );
  }

  private withCard(id: string, fn: (card: TrelloCard) => SimResponse): SimResponse {
    if (!ID.test(id)) return text(400, 'invalid id');
    const card = this.cards.get(id);
    return card ? fn(card) : NOT_FOUND();
  }

  private withList(id: string, fn: (list: TrelloList) => SimResponse): SimResponse {
    if (!ID.test(id)) return text(400, 'invalid id');
    const list = this.lists.get(id);
    return list ? fn(list) : NOT_FOUND();
  }

  private withBoard(id: string, fn: (board: TrelloBoard) => SimResponse): SimResponse {
    if (!ID.test(id)) return text(400, 'invalid id');
    const board = this.boards.get(id);
    return board ? fn(board) : NOT_FOUND();
  }

  private position(idList: string, pos: string | undefined): number | undefined {
    const onList = this.cardsWhere((c) => c.idList === idList);
    if (pos === undefined || pos === 'bottom') return (onList.at(-1)?.pos ?? 0) + 16384;
    if (pos === 'top') return (onList[0]?.pos ?? 32768) / 2;
    const n = Number(pos);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  }

  private create(p: Record<string, string>): SimResponse {
    const list = p.idList && ID.test(p.idList) ? this.lists.get(p.idList) : undefined;
    if (!list) return text(400, 'invalid value for idList');
    const due = this.due(p.due);
    if (due === false) return text(400, 'invalid value for due');
    const pos = this.position(list.id, p.pos);
    if (pos === undefined) return text(400, 'invalid value for pos');
    const id = this.newId();
    const idShort = this.cardsWhere((c) => c.idBoard === list.idBoard).length + 1;
    const card: TrelloCard = {
      ...this.blankCard(id, list, p.name ?? '', pos, idShort),
      closed: p.closed === 'true',
      desc: p.desc ?? '',
      due,
    };
    card.badges.description = Boolean(p.desc);
    card.badges.due = due;
    this.cards.set(id, card);
    return { body: { ...card, attachments: [], stickers: [], limits: {} } };
  }

  /** A card as Trello makes it, open, with nothing on it. */
  private blankCard(id: string, list: TrelloList, name: string, pos: number, idShort: number): TrelloCard {
    const shortLink = Buffer.from(id.slice(-12), 'hex').toString('base64url').slice(0, 8);
    return {
      id,
      badges: {
        attachments: 0,
        checkItems: 0,
        checkItemsChecked: 0,
        comments: 0,
        description: false,
        due: null,
        dueComplete: false,
        location: false,
        subscribed: false,
        viewingMemberVoted: false,
        votes: 0,
      },
      checkItemStates: [],
      closed: false,
      dueComplete: false,
      dateLastActivity: new Date(this.now()).toISOString(),
      desc: '',
      descData: { emoji: {} },
      due: null,
      dueReminder: null,
      email: null,
      idBoard: list.idBoard,
      idChecklists: [],
      idList: list.id,
      idMembers: [],
      idMembersVoted: [],
      idShort,
      idAttachmentCover: null,
      labels: [],
      idLabels: [],
      manualCoverAttachment: false,
      name,
      pos,
      shortLink,
      shortUrl: `https://trello.com/c/${shortLink}`,
      start: null,
      subscribed: false,
      url: `https://trello.com/c/${shortLink}/${idShort}-${name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')}`,
      isTemplate: false,
      cardRole: null,
    };
  }

  private update(card: TrelloCard, p: Record<string, string>): SimResponse {
    if (p.idList !== undefined) {
      const list = ID.test(p.idList) ? this.lists.get(p.idList) : undefined;
      if (!list) return text(400, 'invalid value for idList');
      card.idList = list.id;
      card.idBoard = list.idBoard;
    }
    if (p.due !== undefined) {
      const due = this.due(p.due);
      if (due === false) return text(400, 'invalid value for due');
      card.due = due;
    }
    if (p.name !== undefined) card.name = p.name;
    if (p.desc !== undefined) card.desc = p.desc;
    if (p.closed !== undefined) card.closed = p.closed === 'true';
    if (p.pos !== undefined) card.pos = this.position(card.idList, p.pos) ?? card.pos;
    card.dateLastActivity = new Date(this.now()).toISOString();
    return { body: card };
  }

  /** A due date as Trello stores it (ISO with milliseconds), null when cleared, false when not a date. */
  private due(value: string | undefined): string | null | false {
    if (value === undefined || value === '' || value === 'null') return null;
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? false : new Date(ms).toISOString();
  }
}
