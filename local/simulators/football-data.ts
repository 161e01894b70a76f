import { prng } from './dataset';

const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * Real API-Football league ids first; more leagues get synthetic ids. The last four play a calendar-year season (March
 * to November).
 */
const LEAGUES: [id: number, name: string, country: string, calendarYear?: boolean][] = [
  [39, 'Premier League', 'England'],
  [140, 'La Liga', 'Spain'],
  [135, 'Serie A', 'Italy'],
  [78, 'Bundesliga', 'Germany'],
  [61, 'Ligue 1', 'France'],
  [88, 'Eredivisie', 'Netherlands'],
  [94, 'Primeira Liga', 'Portugal'],
  [144, 'Jupiler Pro League', 'Belgium'],
  [203, 'Süper Lig', 'Turkey'],
  [179, 'Premiership', 'Scotland'],
  [40, 'Championship', 'England'],
  [141, 'Segunda División', 'Spain'],
  [71, 'Serie A', 'Brazil', true],
  [253, 'Major League Soccer', 'USA', true],
  [98, 'J1 League', 'Japan', true],
  [113, 'Allsvenskan', 'Sweden', true],
];

const PLACES = [
  'Ashford',
  'Brindle',
  'Caldera',
  'Dunmore',
  'Eastvale',
  'Fairport',
  'Glenrock',
  'Harrow',
  'Ironbridge',
  'Juniper',
  'Kingsmere',
  'Lakeside',
  'Marlow',
  'Northgate',
  'Oakridge',
  'Pinehurst',
  'Queensbury',
  'Riverton',
  'Stonefield',
  'Thornbury',
];
const SUFFIXES = ['FC', 'United', 'City', 'Athletic', 'Rovers', 'Wanderers'];

export interface SimFixtureRow {
  id: number;
  leagueIndex: number;
  season: number;
  round: number;
  kickoff: number;
  home: number;
  away: number;
  goalsHome: number;
  goalsAway: number;
  halfHome: number;
  halfAway: number;
  postponed: boolean;
}

export interface SimLeague {
  id: number;
  name: string;
  country: string;
  /** Its season runs March to November of one year instead of August to May. */
  calendarYear: boolean;
  teams: { id: number; name: string }[];
}

export interface FootballDataOptions {
  seed?: number;
  seasons: number[];
  leagues?: number;
}

/** Double round robin (circle method): 2(n-1) rounds of n/2 pairs, home and away swapped in the second half. */
function roundRobin(n: number): [number, number][][] {
  const teams = Array.from({ length: n }, (_, i) => i);
  const rounds: [number, number][][] = [];
  for (let r = 0; r < n - 1; r += 1) {
    const pairs: [number, number][] = [];
    for (let i = 0; i < n / 2; i += 1) {
      const a = teams[i]!;
      const b = teams[n - 1 - i]!;
      pairs.push(r % 2 === 0 ? [a, b] : [b, a]);
    }
    rounds.push(pairs);
    teams.splice(1, 0, teams.pop()!);
  }
  return [...rounds, ...rounds.map((pairs) => pairs.map(([a, b]) => [b, a] as [number, number]))];
}

/**
 * A deterministic football world: `leagues` leagues of 20 teams, each season a double round robin
 * from mid-August (or March, for calendar-year leagues), one round a week; leagues start on different
 * weekdays so most days have fixtures, and some league plays in every month.
 * Scores and postponements are seeded; statuses come from the clock when served.
 *
 * @example
 * const world = footballWorld({ seasons: [2024], leagues: 12 });
 * world.byDay.get(Math.floor(Date.UTC(2024, 7, 17) / DAY))
 */
export function footballWorld(opts: FootballDataOptions): {
  leagues: SimLeague[];
  fixtures: SimFixtureRow[];
  byDay: Map<number, number[]>;
} {
  const rand = prng(opts.seed ?? 7);
  const count = opts.leagues ?? LEAGUES.length;
  const leagues: SimLeague[] = Array.from({ length: count }, (_, i) => {
    const [id, name, country, calendarYear = false] = LEAGUES[i] ?? [1000 + i, `League ${i + 1}`, 'Simland'];
    const teams = Array.from({ length: 20 }, (_, t) => ({
      id: 10_000 + i * 20 + t,
      name: `${PLACES[(t + i) % PLACES.length]} ${SUFFIXES[(t * 7 + i) % SUFFIXES.length]}`,
    }));
    return { id, name, country, calendarYear, teams };
  });
  const schedule = roundRobin(20);
  const fixtures: SimFixtureRow[] = [];
  let nextId = 1_000_000;
  for (const season of [...opts.seasons].sort()) {
    leagues.forEach((league, leagueIndex) => {
      const opening = league.calendarYear ? Date.UTC(season, 2, 1) : Date.UTC(season, 7, 9);
      const firstDay = opening + (leagueIndex % 7) * DAY;
      schedule.forEach((pairs, round) => {
        pairs.forEach(([home, away], match) => {
          // A round spreads over three days, kick-offs from 12:00 to 20:30 UTC on the half hour.
          const day = firstDay + round * 7 * DAY + (match % 3) * DAY;
          const kickoff = day + 12 * 60 * MINUTE + Math.floor(rand() * 18) * 30 * MINUTE;
          const goalsHome = Math.floor(rand() * rand() * 5);
          const goalsAway = Math.floor(rand() * rand() * 4);
          fixtures.push({
            id: nextId++,
            leagueIndex,
            season,
            round: round + 1,
            kickoff,
            home,
            away,
            goalsHome,
            goalsAway,
            halfHome: Math.floor(goalsHome * rand()),
            halfAway: Math.floor(goalsAway * rand()),
            postponed: rand() < 0.01,
          });
        });
      });
    });
  }
  fixtures.sort((a, b) => a.kickoff - b.kickoff || a.id - b.id);
  const byDay = new Map<number, number[]>();
  fixtures.forEach((f, i) => {
    const d = Math.floor(f.kickoff / DAY);
    const list = byDay.get(d) ?? [];
    byDay.set(d, list);
    list.push(i);
  });
  return { leagues, fixtures, byDay };
}

/** Status at `now`: not started, in play (1H, HT, 2H with minutes), finished, or postponed. */
function status(
  f: SimFixtureRow,
  now: number,
): { long: string; short: string; elapsed: number | null; live: boolean; done: boolean } {
  if (f.postponed) return { long: 'Match Postponed', short: 'PST', elapsed: null, live: false, done: false };
  const minutes = Math.floor((now - f.kickoff) / MINUTE);
  if (minutes < 0) return { long: 'Not Started', short: 'NS', elapsed: null, live: false, done: false };
  if (minutes < 45) return { long: 'First Half', short: '1H', elapsed: minutes + 1, live: true, done: false };
  if (minutes < 60) return { long: 'Halftime', short: 'HT', elapsed: 45, live: true, done: false };
  if (minutes < 110)
    return { long: 'Second Half', short: '2H', elapsed: Math.min(90, minutes - 14), live: true, done: false };
  return { long: 'Match Finished', short: 'FT', elapsed: 90, live: false, done: true };
}

/**
 * A fixture as API-Football v3 serves it at `now` (`GET /fixtures` response item).
 *
 * @example
 * fixtureJson(world.fixtures[0], world.leagues, Date.now())
 */
export function fixtureJson(f: SimFixtureRow, leagues: SimLeague[], now: number): Record<string, unknown> {
  const league = leagues[f.leagueIndex]!;
  const home = league.teams[f.home]!;
  const away = league.teams[f.away]!;
  const st = status(f, now);
  // Goals so far: half-time score in the first half, full score after.
  const progress = st.done ? 1 : st.live ? (st.short === '1H' || st.short === 'HT' ? 0.5 : 1) : 0;
  const gh = progress === 0 ? null : progress === 0.5 ? f.halfHome : f.goalsHome;
  const ga = progress === 0 ? null : progress === 0.5 ? f.halfAway : f.goalsAway;
  const winner = st.done ? (f.goalsHome === f.goalsAway ? null : f.goalsHome > f.goalsAway) : null;
  const none = { home: null, away: null };
  return {
    fixture: {
      id: f.id,
      referee: null,
      timezone: 'UTC',
      date: new Date(f.kickoff).toISOString().replace('.000Z', '+00:00'),
      timestamp: Math.floor(f.kickoff / 1000),
      periods: {
        first: st.live || st.done ? Math.floor(f.kickoff / 1000) : null,
        second: st.done ? Math.floor(f.kickoff / 1000) + 3600 : null,
      },
      venue: { id: 500 + f.leagueIndex * 20 + f.home, name: `${home.name} Stadium`, city: home.name.split(' ')[0]! },
      status: { long: st.long, short: st.short, elapsed: st.elapsed },
    },
    league: {
      id: league.id,
      name: league.name,
      country: league.country,
      logo: `https://media.api-sports.io/football/leagues/${league.id}.png`,
      flag: null,
      season: f.season,
      round: `Regular Season - ${f.round}`,
    },
    teams: {
      home: {
        id: home.id,
        name: home.name,
        logo: `https://media.api-sports.io/football/teams/${home.id}.png`,
        winner: winner === null ? null : winner,
      },
      away: {
        id: away.id,
        name: away.name,
        logo: `https://media.api-sports.io/football/teams/${away.id}.png`,
        winner: winner === null ? null : !winner,
      },
    },
    goals: { home: gh, away: ga },
    score: {
      halftime: progress === 0 ? none : { home: f.halfHome, away: f.halfAway },
      fulltime: st.done ? { home: f.goalsHome, away: f.goalsAway } : none,
      extratime: none,
      penalty: none,
    },
  };
}
