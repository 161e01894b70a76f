import { fixtureKey } from '../../lambdas/providers/football';
import type { LocalPolls } from '../polls';
import { lambdaContext } from '../lambda-context';
import type { FootballSimulator } from '../simulators/football';

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export interface BackfillPlan {
  from: number;
  to: number;
  /** Pages the range takes once, with no fault. */
  pages: number;
  /** Fixture keys the records table must hold afterwards (the valid ones). */
  expected: Set<string>;
  /** Fixture ids the simulator serves schema-invalid (the quarantine must hold each, with its reason). */
  invalid: Set<number>;
}

/**
 * The days from `start` that make at least `pages` pages at the simulator's page size, and the records
 * they must leave: every fixture of those days, but those served schema-invalid (`invalidEvery`).
 *
 * @example
 * const plan = planBackfill(sim, Date.UTC(2024, 8, 1), 300, 4, 13);
 */
export function planBackfill(
  sim: FootballSimulator,
  start: number,
  pages: number,
  pageSize: number,
  invalidEvery: number,
): BackfillPlan {
  const expected = new Set<string>();
  const invalid = new Set<number>();
  let total = 0;
  let to = start;
  while (total < pages) {
    const fixtures = sim.fixturesOn(day(to));
    total += Math.max(1, Math.ceil(fixtures.length / pageSize));
    for (const f of fixtures) {
      if (f.id % invalidEvery === 0) invalid.add(f.id);
      else
        expected.add(
          fixtureKey({ fixture: { id: f.id, timestamp: Math.floor(f.kickoff / 1000) } } as Parameters<
            typeof fixtureKey
          >[0]),
        );
    }
    to += DAY;
  }
  return { from: start, to, pages: total, expected, invalid };
}

export interface BackfillOutcome {
  /** Poller invocations, first run and gap runs. */
  runs: number;
  /** Invocations that threw (a store failure: the run is retried whole). */
  failedRuns: number;
  pages: number;
  http429: number;
  retries: number;
  gapsOpened: number;
  gapsLeft: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A backfill as an operator runs it against AWS (`npm run sync -- --aws --from --to`), through the poller
 * handler module: one invocation per window (a day), an invocation that fails (a store failure: the run
 * throws) invoked again, then each window left as a gap again from its saved page, until none is left (at
 * most `maxRuns` invocations). A run the provider paused waits until it said to come back.
 *
 * @example
 * const outcome = await runBackfill(stack.polls!, plan);
 */
export async function runBackfill(
  polls: LocalPolls,
  plan: Pick<BackfillPlan, 'from' | 'to'>,
  maxRuns = 400,
): Promise<BackfillOutcome> {
  const out: BackfillOutcome = { runs: 0, failedRuns: 0, pages: 0, http429: 0, retries: 0, gapsOpened: 0, gapsLeft: 0 };
  const invoke = async (from: number, to: number, start?: Record<string, unknown>): Promise<boolean> => {
    for (;;) {
      if (out.runs >= maxRuns) return false;
      out.runs += 1;
      try {
        const event = {
          provider: 'football',
          poll: 'fixtures',
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          ...(start ? { start } : {}),
        };
        const s = await polls.poller(event, lambdaContext('football-poller', 300_000));
        out.pages += s.pages;
        out.http429 += s.http429;
        out.retries += s.retries;
        out.gapsOpened += s.gapsOpened;
        if (s.resumeAt && s.resumeAt > Date.now()) await sleep(Math.min(s.resumeAt - Date.now(), 5000));
        return true;
      } catch {
        out.failedRuns += 1;
        await sleep(100);
      }
    }
  };
  for (let from = plan.from; from < plan.to; from += DAY) await invoke(from, from + DAY);
  for (;;) {
    const gaps = await polls.state.gaps('football', 'fixtures', plan);
    out.gapsLeft = gaps.length;
    if (gaps.length === 0 || out.runs >= maxRuns) return out;
    for (const gap of gaps) await invoke(gap.from, gap.to, gap.position as Record<string, unknown> | undefined);
  }
}
