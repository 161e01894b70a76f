import type { RunSummary } from '../../lambdas/core/sync/run-poll';
import type { FootballFaultSettings } from '../simulators';
import { Pacer } from './pacer';
import type { DemoContext, DemoDriver } from './types';

export interface FootballFaultsDemoOptions {
  /** Between two episodes (default 75 s). */
  everyMs?: number;
  /** Before the first one (default 30 s, or `everyMs` if shorter): a newcomer sees one soon. */
  firstAfterMs?: number;
  /** Which episodes, in turn (default all three). */
  episodes?: FootballEpisode[];
}

export type FootballEpisode = '5xx-burst' | '429-storm' | 'schema-drift';

const FIXTURES = { path: '/fixtures' };

/** What each episode sets with `POST /_faults`, and the line the terminal shows. */
export const EPISODES: Record<FootballEpisode, { settings: FootballFaultSettings; say: string }> = {
  // Enough 503s for the retries of two calls: a failed window (a gap), then the circuit opens.
  '5xx-burst': {
    settings: {
      rules: [
        { fault: { kind: 'status', status: 503, body: { message: 'Service Unavailable' } }, match: FIXTURES, times: 8 },
      ],
    },
    say: 'a 5xx burst on the football simulator: retries, a gap, the circuit opens; the circuit-open alarm fires, then clears',
  },
  // Fewer 429s than one call may wait out: every one honoured (Retry-After: 1), the run still completes.
  '429-storm': {
    settings: {
      rules: [
        {
          fault: { kind: 'status', status: 429, retryAfter: { seconds: 1 }, body: { message: 'Too many requests' } },
          match: FIXTURES,
          times: 4,
        },
      ],
    },
    say: 'a short 429 storm on the football simulator: the client waits out each Retry-After',
  },
  // An API change the records still validate with: SchemaDrift per field, one warn line per field.
  'schema-drift': {
    settings: { football: { drift: { field: 'fixture.attendance', value: 41_000, status: 'VAR', every: 3 } } },
    say: 'the football simulator adds an undocumented field and status code: schema drift is counted per field',
  },
};

/**
 * Now and then, a fault on the football simulator through its `POST /_faults` (a 5xx burst, a 429
 * storm, schema drift, in turn), then a poll run at once so it shows without waiting for the schedule,
 * then the faults cleared (`DELETE /_faults`). An episode waits for a healthy poll (a run completed, none
 * running, no gap open); nothing happens when the poll runs against a real API.
 *
 * @example
 * const stop = footballFaultsDemo({ everyMs: 2000 }).start(ctx);
 */
export function footballFaultsDemo(opts: FootballFaultsDemoOptions = {}): DemoDriver {
  const everyMs = opts.everyMs ?? 75_000;
  const episodes = opts.episodes ?? (Object.keys(EPISODES) as FootballEpisode[]);
  return {
    name: 'football-faults',
    start(ctx: DemoContext) {
      const polls = ctx.stack.polls;
      const sim = polls?.simulators.football;
      const pace = new Pacer();
      if (!polls || !sim || episodes.length === 0) return () => pace.stop();
      let turn = 0;
      const faults = async (method: 'POST' | 'DELETE', settings?: FootballFaultSettings) => {
        const res = await fetch(`${sim.url}/_faults`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: settings ? JSON.stringify(settings) : undefined,
        });
        await res.arrayBuffer();
      };
      const run = async (): Promise<RunSummary | undefined> => {
        // A scheduled run may hold the lease: try again once it is done, a few times.
        for (let i = 0; i < 5 && !pace.stopping; i += 1) {
          const summary = await polls.scheduler
            .invoke({ provider: 'football', poll: 'fixtures' })
            .catch(() => undefined);
          if (summary?.stopped !== 'busy') return summary;
          await new Promise((resolve) => setTimeout(resolve, 500).unref());
        }
        return undefined;
      };
      const episode = async () => {
        // Only on a healthy poll: a run has completed, none is running, no gap is open (the last episode has healed),
        // so each episode shows on its own and the first run (a few days back) is not the demo's to spoil.
        const cp = await polls.state.getCheckpoint('football', 'fixtures');
        if (cp?.cursor === undefined || cp.leaseOwner !== undefined) return;
        if ((await polls.state.gaps('football', 'fixtures')).length > 0) return;
        const name = episodes[turn++ % episodes.length]!;
        ctx.say(`demo: ${EPISODES[name].say}`);
        await faults('POST', EPISODES[name].settings);
        try {
          await run();
        } finally {
          await faults('DELETE');
        }
      };
      pace.every(everyMs, episode, opts.firstAfterMs ?? Math.min(everyMs, 30_000));
      return async () => {
        await pace.stop();
        await faults('DELETE').catch(() => undefined);
      };
    },
  };
}
