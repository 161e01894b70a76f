import { randomUUID } from 'node:crypto';
import { secretValues } from '../../lambdas/core/secret-values';
import { sampleGithubIssue } from '../../lambdas/providers/github';
import { postDelivery, signAs } from '../sign';
import type { FootballSimulator } from '../simulators/football';
import { Pacer } from './pacer';
import type { DemoContext, DemoDriver } from './types';

export interface RoutesDemoOptions {
  /** Between two episodes, a bug reported and a fixture finishing in turn (default 60 s). */
  everyMs?: number;
  /** Before the first (default 20 s, or `everyMs` if shorter). */
  firstAfterMs?: number;
}

/** Issue numbers the demo reports bugs as, apart from the GitHub webhook demo's 1 to 12. */
const FIRST_BUG = 1000;

type Status = { short: string; long: string; elapsed: number };
const served = (status: Status, goals: [number, number]) => (f: Record<string, unknown>) => ({
  ...f,
  fixture: { ...(f.fixture as object), status },
  goals: { home: goals[0], away: goals[1] },
});

/** A poll run now, retried while a scheduled run holds the lease. */
async function pollNow(ctx: DemoContext, pace: Pacer): Promise<void> {
  for (let i = 0; i < 5 && !pace.stopping; i += 1) {
    const summary = await ctx.stack
      .polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' })
      .catch(() => undefined);
    if (summary?.stopped !== 'busy') return;
    await new Promise((resolve) => setTimeout(resolve, 500).unref());
  }
}

/** The guide's first example: a fixture we saw being played finishes; the football-ft-to-slack route posts once. */
async function fixtureFinishes(ctx: DemoContext, pace: Pacer, sim: FootballSimulator, turn: number): Promise<void> {
  const today = new Date().toISOString().slice(0, 10);
  const fixtures = sim.fixturesOn(today);
  const f = fixtures[turn % Math.max(1, fixtures.length)];
  if (!f) return;
  const goals: [number, number] = [Math.floor(ctx.random() * 4), Math.floor(ctx.random() * 3)];
  sim.edit(f.id, served({ short: '2H', long: 'Second Half', elapsed: 78 }, goals));
  await pollNow(ctx, pace);
  sim.edit(f.id, served({ short: 'FT', long: 'Match Finished', elapsed: 90 }, goals));
  await pollNow(ctx, pace);
  ctx.say(`demo: fixture ${f.id} finished ${goals.join('-')}: the football-ft-to-slack route posts one Slack message`);
}

/** The guide's second example: an issue opened with the label bug; the github-bug-to-trello route makes one card. */
async function bugReported(ctx: DemoContext, number: number): Promise<void> {
  const { stack } = ctx;
  const secret = secretValues(await stack.secrets.get('github', 'webhookSecret'))[0] ?? '';
  const issue = sampleGithubIssue({ number, title: `Demo bug ${randomUUID().slice(0, 8)}` });
  const signed = signAs('github', JSON.stringify(issue), secret, { headers: { 'x-github-event': 'issues' } });
  await postDelivery(stack.url, 'github', signed);
  ctx.say(
    `demo: GitHub issue #${number} opened with the label bug: the github-bug-to-trello route makes one Trello card`,
  );
}

/**
 * The routes at work: now and then a GitHub issue opened with the label `bug` (a Trello card each), or a fixture of
 * today served as being played, polled, then served finished and polled again (one Slack message), in turn. Needs
 * the stack's GitHub webhooks, and the football simulator for the fixtures.
 *
 * @example
 * const stop = routesDemo({ everyMs: 1000 }).start(ctx);
 */
export function routesDemo(opts: RoutesDemoOptions = {}): DemoDriver {
  const everyMs = opts.everyMs ?? 60_000;
  return {
    name: 'routes',
    start(ctx: DemoContext) {
      const pace = new Pacer();
      const sim = ctx.stack.polls?.simulators.football as FootballSimulator | undefined;
      const names = new Set(ctx.stack.changes.routes.map((r) => r.name));
      let turn = 0;
      const episode = async () => {
        const k = turn++;
        if (k % 2 === 0 && names.has('github-bug-to-trello')) await bugReported(ctx, FIRST_BUG + k / 2);
        else if (k % 2 === 1 && sim && names.has('football-ft-to-slack'))
          await fixtureFinishes(ctx, pace, sim, (k - 1) / 2);
      };
      pace.every(everyMs, episode, opts.firstAfterMs ?? Math.min(everyMs, 20_000));
      return () => pace.stop();
    },
  };
}
