import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { pageRecords } from '../../../lambdas/core/client';
import {
  envelopeSchema,
  fixtureKey,
  type fixtureSchema,
  fixturesPoll,
  football,
  footballProblem,
} from '../../../lambdas/providers/football';

/** API-Football v3 documentation, `GET /fixtures` response sample (https://www.api-football.com/documentation-v3#tag/Fixtures). */
const DOCUMENTED = {
  get: 'fixtures',
  parameters: { live: 'all' },
  errors: [],
  results: 4,
  paging: { current: 1, total: 1 },
  response: [
    {
      fixture: {
        id: 239625,
        referee: null,
        timezone: 'UTC',
        date: '2020-02-06T14:00:00+00:00',
        timestamp: 1580997600,
        periods: { first: 1580997600, second: null },
        venue: { id: 1887, name: 'Stade Municipal', city: 'Oued Zem' },
        status: { long: 'Halftime', short: 'HT', elapsed: 45, extra: null },
      },
      league: {
        id: 200,
        name: 'Botola Pro',
        country: 'Morocco',
        logo: 'https://media.api-sports.io/football/leagues/115.png',
        flag: 'https://media.api-sports.io/flags/ma.svg',
        season: 2019,
        round: 'Regular Season - 14',
      },
      teams: {
        home: {
          id: 967,
          name: 'Rapide Oued ZEM',
          logo: 'https://media.api-sports.io/football/teams/967.png',
          winner: false,
        },
        away: { id: 968, name: 'Wydad AC', logo: 'https://media.api-sports.io/football/teams/968.png', winner: true },
      },
      goals: { home: 0, away: 1 },
      score: {
        halftime: { home: 0, away: 1 },
        fulltime: { home: null, away: null },
        extratime: { home: null, away: null },
        penalty: { home: null, away: null },
      },
    },
  ],
};

const now = Date.UTC(2024, 8, 1, 12, 30, 15);
const problem = (errors: unknown, status = 200) =>
  footballProblem({ status, headers: {}, body: { ...DOCUMENTED, errors, response: [] } }, now);

describe('API-Football v3 fixtures', () => {
  it('reads the documented response: envelope, fixture, stable key of id and kick-off date', () => {
    const page = pageRecords(DOCUMENTED, fixturesPoll.pagination.recordsPath, fixturesPoll.schema);
    expect(page.ok && page.quarantined).toEqual([]);
    const fixture = (page.ok ? page.records[0] : undefined) as z.infer<typeof fixtureSchema>;
    expect(fixtureKey(fixture)).toBe('239625#2020-02-06');
    expect(fixturesPoll.record(fixture)).toMatchObject({
      key: '239625#2020-02-06',
      data: {
        fixture: { id: 239625, status: { short: 'HT', elapsed: 45 } },
        league: { id: 200, season: 2019 },
        goals: { home: 0, away: 1 },
      },
    });
    expect(footballProblem({ status: 200, headers: {}, body: DOCUMENTED }, now)).toBeUndefined();
  });

  it('finds no schema drift in the documented fixture, and counts an undocumented field or status code per field', () => {
    expect(pageRecords(DOCUMENTED, 'response', fixturesPoll.schema)).toMatchObject({ ok: true, drift: [] });
    const f = DOCUMENTED.response[0]!;
    const changed = {
      ...DOCUMENTED,
      response: [
        f,
        { ...f, fixture: { ...f.fixture, attendance: 5100, status: { ...f.fixture.status, short: 'VAR' } } },
      ],
    };
    const page = pageRecords(changed, 'response', fixturesPoll.schema);
    expect(page.ok && page.quarantined).toEqual([]);
    expect(page.ok && page.drift).toEqual([
      { field: 'fixture.status.short', kind: 'unknown_enum_value', valueType: 'string', records: 1 },
      { field: 'fixture.attendance', kind: 'unknown_field', valueType: 'number', records: 1 },
    ]);
  });

  it('asks for one day per window, by date, with the key in x-apisports-key', () => {
    expect(fixturesPoll.request({ from: Date.UTC(2024, 7, 17), to: Date.UTC(2024, 7, 18) })).toMatchObject({
      path: '/fixtures',
      query: { date: '2024-08-17' },
    });
    expect(football.auth).toEqual({ kind: 'apiKey', in: 'header', name: 'x-apisports-key', secret: 'apiKey' });
    expect(football.baseUrl).toBe('https://v3.football.api-sports.io');
  });

  it('rejects an envelope without paging or a response list, and quarantines a fixture without an id', () => {
    expect(z.safeParse(envelopeSchema, { ...DOCUMENTED, paging: undefined }).success).toBe(false);
    const bad = {
      ...DOCUMENTED,
      response: [{ ...DOCUMENTED.response[0], fixture: { ...DOCUMENTED.response[0]!.fixture, id: '239625' } }],
    };
    const page = pageRecords(bad, 'response', fixturesPoll.schema);
    expect(page.ok && page.quarantined.map((q) => q.reason)).toEqual(['fixture.id invalid_type']);
  });
});

describe('errors API-Football reports inside a 200', () => {
  it('none: an empty array, or an empty object', () => {
    expect(problem([])).toBeUndefined();
    expect(problem({})).toBeUndefined();
  });

  it('the daily quota stops until 00:00 UTC', () => {
    expect(
      problem({
        requests:
          'You have reached the request limit for the day, Go to https://dashboard.api-football.com to upgrade your plan.',
      }),
    ).toEqual({
      kind: 'quota_exhausted',
      message: expect.stringContaining('request limit for the day'),
      resumeAt: Date.UTC(2024, 8, 2),
    });
  });

  it('the per-minute limit waits for the next minute', () => {
    expect(problem({ rateLimit: 'Too many requests. Your rate limit is 10 requests per minute.' })).toMatchObject({
      kind: 'rate_limited',
      resumeAt: Date.UTC(2024, 8, 1, 12, 31),
    });
  });

  it('a missing, wrong or suspended key is auth; a bad parameter or plan is permanent; 499 is retried', () => {
    expect(
      problem({
        token:
          'Error/Missing application key. Go to https://www.api-football.com/documentation-v3 to learn how to get your API application key.',
      })?.kind,
    ).toBe('auth');
    expect(problem({ access: 'Your account is suspended, check on https://dashboard.api-football.com.' })?.kind).toBe(
      'auth',
    );
    expect(problem({ plan: 'Free plans do not have access to this season, try from 2022 to 2024.' })).toMatchObject({
      kind: 'permanent',
      message: expect.stringContaining('plan: Free plans'),
    });
    expect(footballProblem({ status: 499, headers: {}, body: undefined }, now)?.kind).toBe('retryable');
  });
});
