import type { ChangeEvent } from '../../lambdas/core/changes/schema';
import { type Route, routeCommandId } from '../../lambdas/core/routes/route';
import { render, templateContext } from '../../lambdas/core/routes/template';
import { changeView, matches } from '../../lambdas/core/routes/when';
import { fixtureKey } from '../../lambdas/providers/football';
import { trelloMarker } from '../../lambdas/providers/trello-writes';
import type { LocalChangesOptions } from '../changes';
import type { LocalStack } from '../stack';
import type { FootballSimulator } from '../simulators/football';
import { readArchive } from '../event-bus';
import { type BackfillPlan, runBackfill } from './backfill';
import type { Rng } from './random';
import { type FaultSchedule, scheduleFaults, writeFaults } from './sim-faults';

const DAY = 86_400_000;

/**
 * The routes' part of the chaos run: fixtures of the backfill served as being played, then finishing (the
 * football-ft-to-slack route), every GitHub issue the webhooks bring (labelled `bug`: the github-bug-to-trello
 * route), while the change path is faulted: events delivered twice, stream batches put then failed (redelivered),
 * an archive replay at the end, and Slack and Trello creates that commit and lose their answer.
 */
export interface RoutePlan {
  /** Fixture ids served as being played during the backfill, finished afterwards. */
  finishing: number[];
  /** Their UTC days (the backfill re-polls them). */
  days: number[];
}

/** One route's figures (`result.json` keeps them under `routes`). */
export interface RouteFigures {
  route: string;
  /** Distinct change events in the archive the route's `when` matches. */
  changes_matched: number;
  /** Distinct commands the route queued (`<route>.<event id>` in the command outcomes). */
  commands_sent: number;
  /** Of those, the ones that succeeded at the provider: each one write, done once. */
  provider_writes: number;
  /** Distinct refs the matched changes render (one resource each at the provider). */
  refs: number;
  /** Refs with a resource at the provider (a Slack message by its metadata, a Trello card by its marker). */
  resources_found: number;
  /** Resources beyond one per ref, and commands the writer ran more than once. */
  duplicated: number;
  /** For the fixtures the run made finish: how many; else undefined (no fixed expectation). */
  expected?: number;
}

/** A route passes when every matched change became one command, written once, and nothing was duplicated. */
export const routePassed = (f: RouteFigures): boolean =>
  f.commands_sent === f.changes_matched &&
  f.provider_writes === f.changes_matched &&
  f.resources_found === f.refs &&
  f.duplicated === 0 &&
  (f.expected === undefined || f.changes_matched === f.expected);

type Status = { short: string; long: string; elapsed: number };
const served = (status: Status) => (f: Record<string, unknown>) => ({
  ...f,
  fixture: { ...(f.fixture as object), status },
  goals: { home: 2, away: 1 },
  score: {
    ...(f.score as object),
    fulltime: { home: status.short === 'FT' ? 2 : null, away: status.short === 'FT' ? 1 : null },
  },
});

/**
 * Picks `count` fixtures of the backfill (valid ones, not postponed) and serves them as being played: the backfill
 * stores them in play; `finishFixtures` serves them finished and polls their days again.
 *
 * @example
 * const plan = planRoutes(football, backfill, rng.fork('routes'), 10);
 */
export function planRoutes(sim: FootballSimulator, backfill: BackfillPlan, rng: Rng, count: number): RoutePlan {
  const candidates = [];
  for (let day = backfill.from; day < backfill.to; day += DAY)
    for (const f of sim.fixturesOn(new Date(day).toISOString().slice(0, 10)))
      if (!backfill.invalid.has(f.id) && !f.postponed) candidates.push(f);
  const chosen = rng.shuffle(candidates).slice(0, count);
  for (const f of chosen) sim.edit(f.id, served({ short: '2H', long: 'Second Half', elapsed: 74 }));
  const days = [...new Set(chosen.map((f) => Math.floor(f.kickoff / DAY) * DAY))].sort((a, b) => a - b);
  return { finishing: chosen.map((f) => f.id), days };
}

/** Serves the planned fixtures finished and re-polls their days (as the next scheduled poll would). */
export async function finishFixtures(stack: LocalStack, sim: FootballSimulator, plan: RoutePlan): Promise<void> {
  for (const id of plan.finishing) sim.edit(id, served({ short: 'FT', long: 'Match Finished', elapsed: 90 }));
  for (const day of plan.days) await runBackfill(stack.polls!, { from: day, to: day + DAY });
}

/**
 * Faults on the change path for the local stack's options: one event in 20 delivered twice to every route (at
 * least once, as EventBridge delivers), one put in 30 failed after it went through (the stream puts the batch again).
 */
export function routeBusFaults(rng: Rng): LocalChangesOptions['busFaults'] {
  return { duplicateDelivery: () => rng.chance(0.05), failAfterPut: () => rng.chance(1 / 30) };
}

/** Slack posts that commit and lose their answer (and every read fault), as Trello's creates get in the run. */
export function slackFaults(stack: LocalStack, rng: Rng): FaultSchedule {
  const slack = stack.writes.simulators.slack!;
  // Many fixtures finish at once here: the channel's one post a second would make the run minutes long.
  slack.tiers.postPerSecond = 50;
  slack.tiers.postBurst = 50;
  return scheduleFaults(slack, rng, writeFaults({ method: 'POST', path: '/api/chat.postMessage' }), { every: [2, 6] });
}

/** Sends the whole archive to the routes again (an EventBridge archive replay), and waits for what it makes. */
export async function replayChanges(stack: LocalStack): Promise<number> {
  const n = await stack.changes.bus.replay({}, 'chaos-replay');
  await stack.drained();
  return n;
}

/** Distinct archived events (a stream redelivery puts one twice), by event id. */
function distinctEvents(archiveFile: string): ChangeEvent[] {
  const byId = new Map<string, ChangeEvent>();
  for (const e of readArchive(archiveFile)) byId.set(e.detail.eventId, e);
  return [...byId.values()];
}

/** The writer's own account: command ids it ran (not replayed) more than once. */
function ranTwice(logLines: string[], prefix: string): number {
  const runs = new Map<string, number>();
  for (const line of logLines) {
    if (!line.includes('"command done"') || !line.includes(prefix)) continue;
    const id = (JSON.parse(line) as { command_id?: string }).command_id;
    if (id?.startsWith(prefix)) runs.set(id, (runs.get(id) ?? 0) + 1);
  }
  return [...runs.values()].filter((n) => n > 1).length;
}

/** How many resources the provider holds for a ref: Slack messages by metadata, Trello cards by marker. */
function resourcesOf(stack: LocalStack, route: Route, ref: string): number {
  if (route.do.provider === 'slack') return stack.writes.simulators.slack!.messagesWithRef(ref).length;
  if (route.do.provider === 'trello') return stack.writes.simulators.trello!.cardsWith(trelloMarker(ref)).length;
  return 0;
}

/**
 * One route's figures from the final state: the archive says which changes it had to turn into commands (its
 * `when` applied to every distinct event), the command outcomes what it sent and what succeeded, the simulators
 * what exists at the providers.
 *
 * @example
 * const figures = await routeFigures(stack, route, logLines);
 */
export async function routeFigures(
  stack: LocalStack,
  route: Route,
  logLines: string[],
  expected?: number,
): Promise<RouteFigures> {
  const matched = distinctEvents(stack.changes.archiveFile).filter(
    (e) =>
      e.detail.provider === route.on.provider &&
      e.detail.type === route.on.type &&
      (!route.on.when || matches(route.on.when, changeView(e.detail, e.detail.record))),
  );
  let sent = 0;
  let written = 0;
  const refs = new Set<string>();
  for (const e of matched) {
    const outcome = await stack.writes.commands.get(route.do.provider, routeCommandId(route.name, e.detail.eventId));
    if (outcome) sent += 1;
    if (outcome?.status === 'succeeded') written += 1;
    const input = render(route.do.input, templateContext(e.detail, e.detail.record ?? {})) as { ref?: string };
    if (input.ref) refs.add(input.ref);
  }
  const counts = [...refs].map((ref) => resourcesOf(stack, route, ref));
  return {
    route: route.name,
    changes_matched: matched.length,
    commands_sent: sent,
    provider_writes: written,
    refs: refs.size,
    resources_found: counts.filter((n) => n > 0).length,
    duplicated: counts.reduce((n, c) => n + Math.max(0, c - 1), 0) + ranTwice(logLines, `${route.name}.`),
    ...(expected === undefined ? {} : { expected }),
  };
}

/**
 * Every route's figures; the football route is held to the fixtures the run made finish (each once, exactly).
 *
 * @example
 * const routes = await verifyRoutes(stack, plan, logLines);
 */
export async function verifyRoutes(stack: LocalStack, plan: RoutePlan, logLines: string[]): Promise<RouteFigures[]> {
  const out: RouteFigures[] = [];
  for (const route of stack.changes.routes) {
    const expected = route.on.provider === 'football' ? plan.finishing.length : undefined;
    out.push(await routeFigures(stack, route, logLines, expected));
  }
  return out;
}

/** The fixture keys the plan makes finish (for a report's details). */
export const finishingKeys = (sim: FootballSimulator, plan: RoutePlan): string[] =>
  plan.finishing.map((id) => {
    const f = sim.fixtures.find((x) => x.id === id)!;
    return fixtureKey({ fixture: { id, timestamp: Math.floor(f.kickoff / 1000) } } as Parameters<typeof fixtureKey>[0]);
  });
