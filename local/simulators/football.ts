import { ProviderSimulator, type SimRequest, type SimResponse, type SimulatorOptions } from './base';
import type { FaultSettings } from './faults';
import { fixtureJson, footballWorld, type SimFixtureRow, type SimLeague } from './football-data';

const DAY = 86_400_000;

/** API-Football's own limits, settable in process (`sim.faults.update({ football })`) or with `POST /_faults`. */
export interface FootballKnobs {
  /** Requests per minute (`X-RateLimit-Limit`); beyond it the answer is `errors.rateLimit`. */
  perMinute?: number;
  /** The "minute" in ms (default 60 000); the benchmark shortens it. */
  minuteMs?: number;
  /** Requests per UTC day (`x-ratelimit-requests-limit`); beyond it the answer is `errors.requests`. */
  dailyQuota?: number;
  /** The per-minute limit answers 200 with `errors` (default, as API-Football does) or 429. */
  rateLimitStatus?: 200 | 429;
  /** API changes the records still validate with (schema drift): see DriftKnob. */
  drift?: DriftKnob;
}

/**
 * Schema drift, as a provider's unannounced change brings it: on every `every`-th fixture (by id;
 * default every one), an undocumented field at `field` (a dot path, e.g. `fixture.attendance`, holding
 * `value`, default 0) and/or a status code API-Football does not document (`status`, e.g. `VAR`).
 */
export interface DriftKnob {
  field?: string;
  value?: unknown;
  status?: string;
  every?: number;
}

/** A copy of `json` with `value` at the dot `path` (intermediate objects copied, created when missing). */
function withField(json: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  if (!head) return json;
  const inner = json[head];
  return {
    ...json,
    [head]:
      rest.length === 0
        ? value
        : withField(
            typeof inner === 'object' && inner !== null && !Array.isArray(inner)
              ? (inner as Record<string, unknown>)
              : {},
            rest.join('.'),
            value,
          ),
  };
}

export type FootballFaultSettings = FaultSettings & { football?: FootballKnobs };

export interface FootballSimulatorOptions extends SimulatorOptions {
  /** The API key it accepts in `x-apisports-key`. */
  key: string;
  seed?: number;
  /** Seasons served (a season starts in August); default the current one by the clock and the two before. */
  seasons?: number[];
  /** Leagues of 20 teams (default 16, with real API-Football ids; the last four play March to November). */
  leagues?: number;
  /** Fixtures per page (default 20). */
  pageSize?: number;
  /** Default limits; `/_faults` `{ "football": {...} }` overrides them. */
  limits?: FootballKnobs;
}

const TOKEN_ERROR =
  'Error/Missing application key. Go to https://www.api-football.com/documentation-v3 to learn how to get your API application key.';
const QUOTA_ERROR =
  'You have reached the request limit for the day, Go to https://dashboard.api-football.com to upgrade your plan.';

/** The season (by its starting year) that `now` falls in: seasons run from August. */
export const seasonOf = (now: number): number => {
  const d = new Date(now);
  return d.getUTCMonth() >= 6 ? d.getUTCFullYear() : d.getUTCFullYear() - 1;
};

/**
 * API-Football v3 on 127.0.0.1: `GET /fixtures` (by `date`, `league`, `season`, `from`/`to`, `id`,
 * `status`, paged by `page` with `paging: { current, total }`) and `GET /status`, over a seeded,
 * deterministic world of several seasons whose statuses and scores follow the simulator's clock.
 * Its quirks are the real API's: every error is HTTP 200 with an `errors` object (a missing key is
 * `errors.token`, the per-minute limit `errors.rateLimit`, the daily quota `errors.requests`), and
 * every response reports the daily quota (`x-ratelimit-requests-*`) and the per-minute limit
 * (`X-RateLimit-Limit`/`-Remaining`). The base simulator's fault knobs apply before all of it.
 *
 * @example
 * const sim = new FootballSimulator({ key: 'k3y', seasons: [2024], limits: { perMinute: 300, dailyQuota: 7500 } });
 * const url = await sim.listen();
 * sim.faults.update({ football: { dailyQuota: 3 } } as FootballFaultSettings);
 */
export class FootballSimulator extends ProviderSimulator {
  readonly leagues: SimLeague[];
  readonly fixtures: SimFixtureRow[];
  private readonly byDay: Map<number, number[]>;
  private readonly key: string;
  private readonly pageSize: number;
  private readonly limits: FootballKnobs;
  private readonly edits = new Map<number, (f: Record<string, unknown>) => Record<string, unknown>>();
  private minute = { start: 0, count: 0 };
  private day = { start: 0, count: 0 };

  constructor(opts: FootballSimulatorOptions) {
    // The key is checked by the routes: API-Football answers a bad key with 200 and errors.token, not 401.
    super({ ...opts, auth: { kind: 'none' } });
    const current = seasonOf(this.now());
    const world = footballWorld({
      seed: opts.seed,
      seasons: opts.seasons ?? [current - 2, current - 1, current],
      leagues: opts.leagues,
    });
    this.leagues = world.leagues;
    this.fixtures = world.fixtures;
    this.byDay = world.byDay;
    this.key = opts.key;
    this.pageSize = opts.pageSize ?? 20;
    this.limits = opts.limits ?? {};
    this.route('GET', '/fixtures', (req) => this.gate(req, () => this.listFixtures(req)));
    this.route('GET', '/status', (req) => this.gate(req, () => this.accountStatus()));
  }

  /** The limits in force: the constructor's, overridden by `/_faults` `{ football }`. */
  knobs(): FootballKnobs {
    return { ...this.limits, ...(this.faults.settings as FootballFaultSettings).football };
  }

  /** Changes how a fixture is served from now on (a corrected score, a moved kick-off). */
  edit(id: number, change: (fixture: Record<string, unknown>) => Record<string, unknown>): void {
    this.edits.set(id, change);
  }

  /** The fixtures of one UTC day, in the order they are served. */
  fixturesOn(date: string): SimFixtureRow[] {
    return (this.byDay.get(Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY)) ?? []).map((i) => this.fixtures[i]!);
  }

  /** Starts a new day and minute for the counters (tests). */
  resetCounters(): void {
    this.minute = { start: 0, count: 0 };
    this.day = { start: 0, count: 0 };
  }

  private envelope(
    get: string,
    req: SimRequest,
    fields: { errors?: Record<string, string>; response?: unknown[]; paging?: { current: number; total: number } },
  ): Record<string, unknown> {
    const parameters = Object.fromEntries(req.query);
    const response = fields.response ?? [];
    return {
      get,
      parameters: Object.keys(parameters).length > 0 ? parameters : [],
      errors: fields.errors ?? [],
      results: response.length,
      paging: fields.paging ?? { current: 1, total: 1 },
      response,
    };
  }

  /** The key, the daily quota and the per-minute limit, as API-Football checks them; headers on every answer. */
  private gate(req: SimRequest, serve: () => SimResponse): SimResponse {
    const get = req.path.replace(/^\//, '');
    if (req.headers['x-apisports-key'] !== this.key)
      return { body: this.envelope(get, req, { errors: { token: TOKEN_ERROR } }) };
    const k = this.knobs();
    const now = this.now();
    const minuteMs = k.minuteMs ?? 60_000;
    const minuteStart = Math.floor(now / minuteMs) * minuteMs;
    if (minuteStart !== this.minute.start) this.minute = { start: minuteStart, count: 0 };
    const dayStart = Math.floor(now / DAY) * DAY;
    if (dayStart !== this.day.start) this.day = { start: dayStart, count: 0 };
    const headers = (): Record<string, string> => ({
      ...(k.dailyQuota !== undefined
        ? {
            'x-ratelimit-requests-limit': String(k.dailyQuota),
            'x-ratelimit-requests-remaining': String(Math.max(0, k.dailyQuota - this.day.count)),
          }
        : {}),
      ...(k.perMinute !== undefined
        ? {
            'X-RateLimit-Limit': String(k.perMinute),
            'X-RateLimit-Remaining': String(Math.max(0, k.perMinute - this.minute.count)),
          }
        : {}),
    });
    if (k.dailyQuota !== undefined && this.day.count >= k.dailyQuota)
      return { headers: headers(), body: this.envelope(get, req, { errors: { requests: QUOTA_ERROR } }) };
    if (k.perMinute !== undefined && this.minute.count >= k.perMinute) {
      const body = this.envelope(get, req, {
        errors: { rateLimit: `Too many requests. Your rate limit is ${k.perMinute} requests per minute.` },
      });
      return { status: k.rateLimitStatus ?? 200, headers: headers(), body };
    }
    this.day.count += 1;
    this.minute.count += 1;
    const out = serve();
    return { ...out, headers: { ...headers(), ...out.headers } };
  }

  private listFixtures(req: SimRequest): SimResponse {
    const q = req.query;
    const bad = (field: string, message: string): SimResponse => ({
      body: this.envelope('fixtures', req, { errors: { [field]: message } }),
    });
    const date = q.get('date');
    if (date !== null && !/^\d{4}-\d{2}-\d{2}$/.test(date))
      return bad('date', 'The Date field must contain a valid date (YYYY-MM-DD).');
    const page = Number(q.get('page') ?? '1');
    if (!Number.isInteger(page) || page < 1) return bad('page', 'The Page field must contain an integer.');
    if (![...q.keys()].some((k) => k !== 'page' && k !== 'timezone'))
      return bad('required', 'At least one parameter is required.');
    let rows: SimFixtureRow[] = date ? this.fixturesOn(date) : this.fixtures;
    const num = (name: string) => (q.get(name) === null ? undefined : Number(q.get(name)));
    const id = num('id');
    const league = num('league');
    const season = num('season');
    const from = q.get('from');
    const to = q.get('to');
    const statuses = q.get('status')?.split('-');
    const now = this.now();
    if (id !== undefined) rows = rows.filter((f) => f.id === id);
    if (league !== undefined) rows = rows.filter((f) => this.leagues[f.leagueIndex]!.id === league);
    if (season !== undefined) rows = rows.filter((f) => f.season === season);
    if (from) rows = rows.filter((f) => f.kickoff >= Date.parse(`${from}T00:00:00Z`));
    if (to) rows = rows.filter((f) => f.kickoff < Date.parse(`${to}T00:00:00Z`) + DAY);
    let items = rows.map((f) => this.serveFixture(f, now));
    if (statuses)
      items = items.filter((f) =>
        statuses.includes(((f.fixture as { status: { short: string } }).status ?? { short: '' }).short),
      );
    const total = Math.max(1, Math.ceil(items.length / this.pageSize));
    const response = items.slice((page - 1) * this.pageSize, page * this.pageSize);
    return { body: this.envelope('fixtures', req, { response, paging: { current: page, total } }) };
  }

  private serveFixture(f: SimFixtureRow, now: number): Record<string, unknown> {
    let json = fixtureJson(f, this.leagues, now);
    const edit = this.edits.get(f.id);
    if (edit) json = edit(json);
    const drift = this.knobs().drift;
    if (drift && f.id % Math.max(1, drift.every ?? 1) === 0) {
      if (drift.field) json = withField(json, drift.field, drift.value ?? 0);
      if (drift.status) json = withField(json, 'fixture.status.short', drift.status);
    }
    const every = this.faults.settings.invalidEvery;
    // A provider bug: ids as strings, goals as text.
    if (every && f.id % every === 0)
      json = { ...json, fixture: { ...(json.fixture as object), id: String(f.id) }, goals: 'n/a' };
    return json;
  }

  private accountStatus(): SimResponse {
    const k = this.knobs();
    return {
      body: {
        get: 'status',
        parameters: [],
        errors: [],
        results: 1,
        paging: { current: 1, total: 1 },
        response: {
          account: { firstname: 'Local', lastname: 'Simulator' },
          subscription: { plan: 'Simulator', active: true },
          requests: { current: this.day.count, limit_day: k.dailyQuota ?? null },
        },
      },
    };
  }
}
