import { ProviderSimulator, type SimRequest, type SimResponse, type SimulatorOptions } from './base';

/** The workspace the simulator seeds: a bot in `#match-results` and `#bugs`, not in `#general`. */
export const SLACK_SEED = {
  team: 'T0SIMTEAM01',
  bot: { userId: 'U0SIMBOT01', botId: 'B0SIMBOT01', appId: 'A0SIMAPP01' },
  channels: { results: 'C0RESULTS01', bugs: 'C0BUGS00001', general: 'C0GENERAL01' },
} as const;

/**
 * A message as `conversations.history` returns it (docs.slack.dev/reference/objects/message-object), for a bot post.
 */
export interface SlackMessage {
  type: 'message';
  subtype?: string;
  text: string;
  ts: string;
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
  thread_ts?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** The rate tiers a Slack app gets (docs.slack.dev/apis/web-api/rate-limits). */
export interface SlackTiers {
  /** `chat.postMessage`: about one message a second per channel, short bursts allowed (default 1/s, burst 3). */
  postPerSecond?: number;
  postBurst?: number;
  /** `conversations.history`: Tier 3, 50 a minute (commercially distributed non-Marketplace apps: 1 a minute). */
  historyPerMinute?: number;
  /** Largest `limit` history honours: 999 (non-Marketplace commercial apps: 15). */
  historyMaxLimit?: number;
}

export interface SlackSimulatorOptions extends Omit<SimulatorOptions, 'auth'> {
  /** The bot token (`xoxb-...`) callers must send as `Authorization: Bearer`. */
  botToken: string;
  tiers?: SlackTiers;
}

const ok = (body: Record<string, unknown>): SimResponse => ({ body: { ok: true, ...body } });
// Slack answers every platform error with HTTP 200 and `ok: false`.
const fail = (error: string, extra: Record<string, unknown> = {}): SimResponse => ({
  body: { ok: false, error, ...extra },
});
// Throttling is the one HTTP error: 429, Retry-After in seconds, `ratelimited`.
const throttled = (seconds: number): SimResponse => ({
  status: 429,
  headers: { 'retry-after': String(Math.max(1, Math.ceil(seconds))) },
  body: { ok: false, error: 'ratelimited' },
});

/** Arguments from the query and the body, JSON or form-encoded, as Slack's Web API reads them. */
function args(req: SimRequest): Record<string, unknown> {
  const out: Record<string, unknown> = Object.fromEntries(req.query);
  if (!req.body) return out;
  if ((req.headers['content-type'] ?? '').includes('json')) return { ...out, ...(JSON.parse(req.body) as object) };
  for (const [k, v] of new URLSearchParams(req.body)) out[k] = v;
  return out;
}

/** `metadata` as posted: an object in JSON, a URL-encoded JSON string in a form; undefined when it is not valid. */
function metadataOf(value: unknown): SlackMessage['metadata'] | 'invalid' | undefined {
  if (value === undefined) return undefined;
  let m = value;
  if (typeof m === 'string') {
    try {
      m = JSON.parse(m);
    } catch {
      return 'invalid';
    }
  }
  const { event_type, event_payload } = (m ?? {}) as Record<string, unknown>;
  if (typeof event_type !== 'string' || typeof event_payload !== 'object' || event_payload === null) return 'invalid';
  return { event_type, event_payload: event_payload as Record<string, unknown> };
}

const tsNumber = (ts: string): number => Number(ts);

/**
 * Slack's Web API for a bot on 127.0.0.1: `chat.postMessage` and `conversations.history` in their documented shapes
 * (docs.slack.dev/reference/methods): bearer bot token; every platform error HTTP 200 `{ ok: false, error }`
 * (`not_authed`, `invalid_auth`, `channel_not_found`, `not_in_channel`, `no_text`, `msg_too_long`,
 * `invalid_metadata_format`, `invalid_cursor`, `invalid_ts_oldest`); throttling HTTP 429 with `Retry-After` and
 * `ratelimited` (posting about one a second per channel, history Tier 3 or the non-Marketplace 1 a minute and 15
 * messages); message metadata kept with each post and returned by history only with `include_all_metadata=true`
 * (its `event_payload` stripped otherwise); history newest first, paged by `cursor`, bounded by `oldest`/`latest`.
 * No idempotency keys: a post sent twice is two messages. The base simulator's faults apply (commit-then-fail
 * stores the post, then loses the answer).
 *
 * @example
 * const sim = new SlackSimulator({ botToken: 'xoxb-1' });
 * const url = await sim.listen(); // the client's base URL is `${url}/api`
 * sim.faults.add({ kind: 'commit-then-fail', status: 200, body: { ok: false, error: 'fatal_error' } }, { match: { path: '/api/chat.postMessage' } });
 */
export class SlackSimulator extends ProviderSimulator {
  readonly messages = new Map<string, SlackMessage[]>();
  readonly tiers: Required<SlackTiers>;
  private readonly botToken: string;
  private readonly members = new Set<string>([SLACK_SEED.channels.results, SLACK_SEED.channels.bugs]);
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private history = { start: 0, count: 0 };
  private lastTs = 0;

  constructor(opts: SlackSimulatorOptions) {
    // The token is checked by the methods: Slack answers a bad one with 200 and `invalid_auth`, not 401.
    super({ ...opts, auth: { kind: 'none' } });
    this.botToken = opts.botToken;
    this.tiers = { postPerSecond: 1, postBurst: 3, historyPerMinute: 50, historyMaxLimit: 999, ...opts.tiers };
    for (const id of Object.values(SLACK_SEED.channels)) this.messages.set(id, []);
    const method = (name: string, run: (a: Record<string, unknown>) => SimResponse) => {
      for (const verb of ['GET', 'POST']) this.route(verb, `/api/${name}`, (req) => this.authed(req, run));
    };
    method('chat.postMessage', (a) => this.post(a));
    method('conversations.history', (a) => this.historyOf(a));
    method('auth.test', () =>
      ok({ team_id: SLACK_SEED.team, user_id: SLACK_SEED.bot.userId, bot_id: SLACK_SEED.bot.botId }),
    );
  }

  /** Every message that carries `ref` in its metadata's payload, across channels (tests count posts by it). */
  messagesWithRef(ref: string): SlackMessage[] {
    return [...this.messages.values()].flat().filter((m) => m.metadata?.event_payload?.ref === ref);
  }

  /**
   * Adds `count` messages to a channel at once, as other people's chatter (a busy channel for tests); returns their ts.
   */
  addMessages(channel: string, count: number, text = 'chatter'): string[] {
    const list = this.messages.get(channel);
    if (!list) throw new Error(`no channel ${channel}`);
    return Array.from({ length: count }, (_, i) => {
      const ts = this.nextTs();
      list.push({ ...this.botMessage(`${text} ${i + 1}`, ts), user: 'U0SOMEONE01' });
      return ts;
    });
  }

  protected override limitedBody(): unknown {
    return { ok: false, error: 'ratelimited' };
  }

  private authed(req: SimRequest, run: (a: Record<string, unknown>) => SimResponse): SimResponse {
    const header = req.headers.authorization;
    if (!header) return fail('not_authed');
    if (header !== `Bearer ${this.botToken}`) return fail('invalid_auth');
    let a: Record<string, unknown>;
    try {
      a = args(req);
    } catch {
      return fail('invalid_json');
    }
    return run(a);
  }

  /** A channel the bot may use, or the error Slack gives. */
  private channel(id: unknown): string | SimResponse {
    if (typeof id !== 'string' || !this.messages.has(id)) return fail('channel_not_found');
    return this.members.has(id) ? id : fail('not_in_channel');
  }

  private post(a: Record<string, unknown>): SimResponse {
    const channel = this.channel(a.channel);
    if (typeof channel !== 'string') return channel;
    const text = typeof a.text === 'string' ? a.text : '';
    if (!text && a.blocks === undefined && a.attachments === undefined) return fail('no_text');
    if (text.length > 40_000) return fail('msg_too_long');
    const metadata = metadataOf(a.metadata);
    if (metadata === 'invalid') return fail('invalid_metadata_format');
    const wait = this.takePost(channel);
    if (wait > 0) return throttled(wait / 1000);
    const message: SlackMessage = {
      ...this.botMessage(text, this.nextTs()),
      ...(typeof a.thread_ts === 'string' ? { thread_ts: a.thread_ts } : {}),
      ...(metadata ? { metadata } : {}),
    };
    this.messages.get(channel)!.push(message);
    return ok({ channel, ts: message.ts, message });
  }

  private botMessage(text: string, ts: string): SlackMessage {
    const { userId: user, botId: bot_id, appId: app_id } = SLACK_SEED.bot;
    return { type: 'message', text, ts, user, bot_id, app_id, team: SLACK_SEED.team };
  }

  /** Takes one post from the channel's bucket; how long to wait (ms) when it is empty. */
  private takePost(channel: string): number {
    const { postPerSecond: rate, postBurst: burst } = this.tiers;
    const now = this.now();
    const b = this.buckets.get(channel) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    this.buckets.set(channel, b);
    if (b.tokens < 1) return ((1 - b.tokens) / rate) * 1000;
    b.tokens -= 1;
    return 0;
  }

  /** Unique, increasing "seconds.micros" stamps from the simulator's clock. */
  private nextTs(): string {
    const micros = Math.max(this.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  /** Tier 3 (or the non-Marketplace tier): a fixed window per minute across channels. */
  private takeHistory(): number {
    const now = this.now();
    const start = Math.floor(now / 60_000) * 60_000;
    if (start !== this.history.start) this.history = { start, count: 0 };
    if (this.history.count >= this.tiers.historyPerMinute) return start + 60_000 - now;
    this.history.count += 1;
    return 0;
  }

  private historyOf(a: Record<string, unknown>): SimResponse {
    const channel = this.channel(a.channel);
    if (typeof channel !== 'string') return channel;
    const bounds = historyBounds(a);
    if (typeof bounds === 'string') return fail(bounds);
    const wait = this.takeHistory();
    if (wait > 0) return throttled(wait / 1000);
    const limit = Math.min(Number(a.limit ?? 100) || 100, this.tiers.historyMaxLimit);
    const all = include_all(a);
    const inRange = this.messages
      .get(channel)!
      .filter((m) => inBounds(tsNumber(m.ts), bounds))
      .sort((x, y) => tsNumber(y.ts) - tsNumber(x.ts));
    const page = inRange.slice(bounds.skip, bounds.skip + limit);
    const more = inRange.length > bounds.skip + limit;
    return ok({
      messages: page.map((m) => (all || !m.metadata ? m : { ...m, metadata: { event_type: m.metadata.event_type } })),
      has_more: more,
      pin_count: 0,
      response_metadata: { next_cursor: more ? cursorOf(bounds.skip + limit) : '' },
    });
  }
}

const include_all = (a: Record<string, unknown>): boolean =>
  a.include_all_metadata === true || a.include_all_metadata === 'true' || a.include_all_metadata === '1';

const cursorOf = (skip: number): string => Buffer.from(`skip:${skip}`).toString('base64');

interface Bounds {
  oldest: number;
  latest: number;
  inclusive: boolean;
  skip: number;
}

/** `oldest`, `latest`, `inclusive` and `cursor`, or the error Slack names for a bad one. */
function historyBounds(a: Record<string, unknown>): Bounds | string {
  const oldest = a.oldest === undefined ? 0 : Number(a.oldest);
  const latest = a.latest === undefined ? Number.POSITIVE_INFINITY : Number(a.latest);
  if (!Number.isFinite(oldest)) return 'invalid_ts_oldest';
  if (Number.isNaN(latest)) return 'invalid_ts_latest';
  let skip = 0;
  if (typeof a.cursor === 'string' && a.cursor !== '') {
    const m = /^skip:(\d+)$/.exec(Buffer.from(a.cursor, 'base64').toString('utf8'));
    if (!m) return 'invalid_cursor';
    skip = Number(m[1]);
  }
  const inclusive = a.inclusive === true || a.inclusive === 'true' || a.inclusive === '1';
  return { oldest, latest, inclusive, skip };
}

const inBounds = (ts: number, b: Bounds): boolean =>
  b.inclusive ? ts >= b.oldest && ts <= b.latest : ts > b.oldest && ts < b.latest;
