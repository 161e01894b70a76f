import * as z from 'zod/mini';
import { openEnum } from '../core/schema-drift';
import type { PollSpec, ProviderDefinition, ResponseProblem } from '../core/provider';

const DAY = 86_400_000;

/** API-Football v3 (api-sports.io direct access; RapidAPI uses another host and key header). */
export const FOOTBALL_BASE_URL = 'https://v3.football.api-sports.io';

const team = z.object({
  id: z.number(),
  name: z.string(),
  logo: z.optional(z.string()),
  winner: z.nullable(z.boolean()),
});
const score = z.object({ home: z.nullable(z.number()), away: z.nullable(z.number()) });

/** `fixture.status.short` as API-Football documents it; a code not listed here is counted as schema drift. */
export const FIXTURE_STATUS = [
  'TBD',
  'NS',
  '1H',
  'HT',
  '2H',
  'ET',
  'BT',
  'P',
  'SUSP',
  'INT',
  'FT',
  'AET',
  'PEN',
  'PST',
  'CANC',
  'ABD',
  'AWD',
  'WO',
  'LIVE',
] as const;

/**
 * One fixture of `GET /fixtures`: every field API-Football documents for it (so an undocumented one is
 * counted as schema drift), required where the mapping relies on it: fixture id, date, timestamp and
 * status; league id and season; teams; goals (null until kick-off). Unknown fields are dropped.
 */
export const fixtureSchema = z.object({
  fixture: z.object({
    id: z.number(),
    referee: z.optional(z.nullable(z.string())),
    timezone: z.optional(z.string()),
    date: z.iso.datetime({ offset: true }),
    timestamp: z.number(),
    periods: z.optional(z.object({ first: z.nullable(z.number()), second: z.nullable(z.number()) })),
    venue: z.optional(
      z.object({ id: z.nullable(z.number()), name: z.nullable(z.string()), city: z.nullable(z.string()) }),
    ),
    status: z.object({
      long: z.string(),
      short: openEnum(FIXTURE_STATUS),
      elapsed: z.nullable(z.number()),
      extra: z.optional(z.nullable(z.number())),
    }),
  }),
  league: z.object({
    id: z.number(),
    season: z.number(),
    name: z.optional(z.string()),
    country: z.optional(z.string()),
    logo: z.optional(z.nullable(z.string())),
    flag: z.optional(z.nullable(z.string())),
    round: z.optional(z.nullable(z.string())),
    standings: z.optional(z.boolean()),
  }),
  teams: z.object({ home: team, away: team }),
  goals: score,
  score: z.optional(
    z.object({ halftime: score, fulltime: score, extratime: z.optional(score), penalty: z.optional(score) }),
  ),
});
export type Fixture = z.infer<typeof fixtureSchema>;

/** The envelope of every v3 response; `errors` is an empty array when there are none, an object when there are. */
export const envelopeSchema = z.object({
  get: z.string(),
  parameters: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]),
  errors: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]),
  results: z.number(),
  paging: z.object({ current: z.number(), total: z.number() }),
  response: z.array(z.unknown()),
});

const nextUtcMidnight = (now: number): number => (Math.floor(now / DAY) + 1) * DAY;
const nextMinute = (now: number): number => (Math.floor(now / 60_000) + 1) * 60_000;

/**
 * API-Football answers errors with HTTP 200 and an `errors` object (`[]` when there are none), and
 * documents 499 Time Out as a status of its own (retried here):
 * `requests` is the daily quota (it resets at 00:00 UTC: stop until then, never retry), `rateLimit`
 * the per-minute limit (no reset header: wait for the next minute), `token`/`access` a bad or
 * suspended key, anything else (a parameter the endpoint rejects, a plan limit) permanent.
 *
 * @example
 * footballProblem({ status: 200, headers: {}, body: { errors: { rateLimit: 'Too many requests.' } } }, now) // { kind: 'rate_limited', ... }
 */
export function footballProblem(
  res: { status: number; headers: Record<string, string>; body: unknown },
  now: number,
): ResponseProblem | undefined {
  // Documented for every endpoint next to 200, 204 and 500: the API gave up on the request; try again.
  if (res.status === 499) return { kind: 'retryable', message: 'API-Football timed out (499)' };
  const errors = (res.body as { errors?: unknown } | null)?.errors;
  if (errors === undefined || errors === null) return undefined;
  const entries: [string, unknown][] = Array.isArray(errors)
    ? errors.map((e, i) => [String(i), e])
    : typeof errors === 'object'
      ? Object.entries(errors)
      : [['error', errors]];
  if (entries.length === 0) return undefined;
  const message = entries
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('; ')
    .slice(0, 300);
  const keys = new Set(entries.map(([k]) => k.toLowerCase()));
  if (keys.has('requests'))
    return {
      kind: 'quota_exhausted',
      message: `daily request quota exhausted (${message})`,
      resumeAt: nextUtcMidnight(now),
    };
  if (keys.has('ratelimit')) return { kind: 'rate_limited', message, resumeAt: nextMinute(now) };
  if (keys.has('token') || keys.has('access')) return { kind: 'auth', message };
  return { kind: 'permanent', message };
}

/** The stable key of a fixture: its id and kick-off date (UTC), so re-fetching never duplicates it. */
export const fixtureKey = (f: Fixture): string =>
  `${f.fixture.id}#${new Date(f.fixture.timestamp * 1000).toISOString().slice(0, 10)}`;

/**
 * Fixtures by day: one request per UTC day (`date`). `/fixtures` documents no `page` parameter and
 * answers `paging: { current: 1, total: 1 }`, so the first page goes without one; were it ever to
 * page, `page=2...` would follow `paging.total`.
 */
export const fixturesPoll: PollSpec<Fixture> = {
  name: 'fixtures',
  description: 'Fixtures of every league by day: results, live scores and upcoming matches',
  schedule: 'rate(15 minutes)',
  type: 'fixture',
  request: (w) => ({
    path: '/fixtures',
    query: { date: new Date(w.from).toISOString().slice(0, 10) },
    operation: 'GET /fixtures',
  }),
  pagination: {
    style: 'page',
    pageParam: 'page',
    firstPage: 1,
    omitFirstPage: true,
    totalPagesPath: 'paging.total',
    recordsPath: 'response',
  },
  schema: { record: fixtureSchema, envelope: envelopeSchema },
  record: (f) => ({ key: fixtureKey(f), data: f }),
  // Yesterday again for late corrections, today for live scores, tomorrow for the schedule.
  window: { sizeMs: DAY, start: '2024-08-01', lookbackMs: DAY, aheadMs: DAY },
  gapsPerRun: 5,
  timeoutSeconds: 300,
};

/** API-Football v3: fixtures on a schedule (no webhooks). */
export const football: ProviderDefinition = {
  name: 'football',
  displayName: 'API-Football',
  baseUrl: FOOTBALL_BASE_URL,
  auth: { kind: 'apiKey', in: 'header', name: 'x-apisports-key', secret: 'apiKey' },
  secrets: ['apiKey'],
  // The Pro plan's 300 requests per minute; the client also follows X-RateLimit-Remaining (per minute, no reset
  // header: at 0 it holds calls a minute) and x-ratelimit-requests-remaining (per day: at 0 nothing is sent until 00:00
  // UTC).
  rateLimit: {
    requestsPerSecond: 5,
    burst: 5,
    headers: { windowMs: 60_000, dailyRemaining: 'x-ratelimit-requests-remaining' },
  },
  // A call may wait out a spent per-minute window (up to a minute, no reset header) and still send.
  timeouts: { callMs: 120_000 },
  inspectResponse: footballProblem,
  polls: [fixturesPoll],
};
