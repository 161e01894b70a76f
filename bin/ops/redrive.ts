import { DynamoCommandStore } from '../../lambdas/adapters/command-store';
import { DynamoExternalIdStore } from '../../lambdas/adapters/external-id-store';
import type { Registry } from '../../lambdas/core/provider';
import type { QueueKind } from '../../lambdas/core/resource-tags';
import { type MissedRun, missedRun } from '../../lambdas/core/scheduler-dead-letter';
import { redrivePhases } from '../../lambdas/core/writes';
import { positiveInt } from '../cli/main';
import type { OpsTarget, QueueRef } from './target';
import type { OpsVerb } from './verb';

/** A DLQ holds at most this many messages for one redrive's reading (SQS keeps them 14 days; more is an outage). */
const READ_LIMIT = 10_000;

export interface RedriveResult {
  where: string;
  provider: string;
  queue: QueueKind;
  dryRun: boolean;
  /** Messages moved back (webhooks, commands) or settled by a new run (scheduler, recovery). */
  moved: number;
  status: string;
  handle?: string;
  /** Commands: claim-holding creates first, then the rest. */
  phases?: { claims: number; rest: number; waitedFor?: number; unsettled?: string[] };
  /** Scheduler: each missed poll, run again once. */
  polls?: ({ poll: string } & RunOutcome)[];
  /** Recovery: each missed recovery, run again once. */
  recoveries?: ({ recovery: string } & RunOutcome)[];
}

/** A missed run's messages and how running it again went. */
interface RunOutcome {
  messages: number;
  ok: boolean;
  error?: string;
}

export interface RedriveOptions {
  wait: boolean;
  dryRun?: boolean;
  /** The providers (commands: to read each command's entity). */
  registry?: Registry;
  /** How long to wait for the claim holders to run before the rest goes back (commands). */
  waitMs?: number;
  sleep?(ms: number): Promise<void>;
  now?(): number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Webhooks: the whole DLQ back to the queue (SQS StartMessageMoveTask in AWS). */
async function redriveAll(target: OpsTarget, ref: QueueRef, opts: RedriveOptions) {
  if (opts.dryRun) {
    const { total } = await target.listDlq(ref, 1);
    return { moved: total, status: 'DRY_RUN' };
  }
  return target.redrive(ref, opts);
}

/**
 * Waits until each of a provider's commands has run since `since` (succeeded or failed); returns those that did not.
 */
async function settle(target: OpsTarget, ref: QueueRef, ids: string[], since: number, opts: RedriveOptions) {
  const { doc, name } = target.tables();
  const store = new DynamoCommandStore(doc, name('commands'));
  const deadline = (opts.now ?? Date.now)() + (opts.waitMs ?? 300_000);
  let waiting = ids;
  for (;;) {
    const outcomes = await Promise.all(waiting.map((id) => store.get(ref.provider, id)));
    waiting = waiting.filter((_, i) => {
      const o = outcomes[i];
      return !(o && Date.parse(o.updatedAt) >= since && (o.status === 'succeeded' || o.status === 'failed'));
    });
    if (waiting.length === 0 || (opts.now ?? Date.now)() > deadline) return waiting;
    await (opts.sleep ?? pause)(1000);
  }
}

/** Commands: the creates that hold their entity's claim first, then, once they have run, every other one. */
async function redriveCommands(target: OpsTarget, ref: QueueRef, opts: RedriveOptions) {
  const { messages } = await target.listDlq(ref, READ_LIMIT);
  const { doc, name } = target.tables();
  const externalIds = new DynamoExternalIdStore(doc, name('externalIds'));
  const registry = opts.registry ?? (() => undefined);
  const phases = await redrivePhases(
    messages.map((m) => ({ messageId: m.messageId, body: m.body ?? '' })),
    { registry, externalIds },
  );
  const counts = { claims: phases.claims.length, rest: phases.rest.length };
  if (opts.dryRun) return { moved: messages.length, status: 'DRY_RUN', phases: counts };
  const since = (opts.now ?? Date.now)();
  let moved = await target.moveMessages(
    ref,
    phases.claims.map((c) => c.messageId),
  );
  const unsettled =
    phases.claims.length > 0 && phases.rest.length > 0 && opts.wait
      ? await settle(
          target,
          ref,
          phases.claims.map((c) => c.commandId),
          since,
          opts,
        )
      : [];
  moved += await target.moveMessages(
    ref,
    phases.rest.map((c) => c.messageId),
  );
  const waitedFor = phases.rest.length > 0 ? phases.claims.length : 0;
  return { moved, status: 'COMPLETED', phases: { ...counts, waitedFor, ...(unsettled.length ? { unsettled } : {}) } };
}

/**
 * Scheduler and recovery DLQs: each missed run (a poll, or a recovery) runs again once, from its checkpoint, gaps
 * first; its messages go once it succeeded. `?` gathers messages that are not this kind's run.
 */
async function redriveRuns(target: OpsTarget, ref: QueueRef, opts: RedriveOptions, kind: MissedRun['kind']) {
  const { messages } = await target.listDlq(ref, READ_LIMIT);
  const byName = new Map<string, string[]>();
  for (const m of messages) {
    const missed = missedRun(m.body ?? '', m.attributes);
    const name = missed?.kind === kind ? missed.name : '?';
    byName.set(name, [...(byName.get(name) ?? []), m.messageId]);
  }
  const run = (name: string) =>
    kind === 'poll' ? target.runPoll(ref.provider, name) : target.runRecovery(ref.provider, name);
  const runs: ({ name: string } & RunOutcome)[] = [];
  let moved = 0;
  for (const [name, ids] of byName) {
    if (opts.dryRun || name === '?') {
      runs.push({
        name,
        messages: ids.length,
        ok: name !== '?',
        ...(name === '?' ? { error: `not a ${kind} event` } : {}),
      });
      continue;
    }
    try {
      await run(name);
      moved += await target.deleteMessages(ref, ids);
      runs.push({ name, messages: ids.length, ok: true });
    } catch (err) {
      runs.push({ name, messages: ids.length, ok: false, error: (err as Error).message });
    }
  }
  const failed = runs.some((r) => !r.ok);
  return { moved, status: opts.dryRun ? 'DRY_RUN' : failed ? 'FAILED' : 'COMPLETED', runs };
}

async function redriveScheduler(target: OpsTarget, ref: QueueRef, opts: RedriveOptions) {
  const { runs, ...done } = await redriveRuns(target, ref, opts, 'poll');
  return { ...done, polls: runs.map(({ name, ...r }) => ({ poll: name, ...r })) };
}

async function redriveRecovery(target: OpsTarget, ref: QueueRef, opts: RedriveOptions) {
  const { runs, ...done } = await redriveRuns(target, ref, opts, 'recovery');
  return { ...done, recoveries: runs.map(({ name, ...r }) => ({ recovery: name, ...r })) };
}

/**
 * `ops redrive <provider> [--queue webhooks|commands|scheduler|recovery]`: webhooks go back to their queue at once
 * (the processor is idempotent and newer-only); commands go back claim holders first (see redrivePhases); missed
 * polls and recoveries run again. `dryRun` only says what would happen.
 *
 * @example
 * const r = await redrive(target, { provider: 'trello', kind: 'commands' }, { wait: true, registry: getProvider });
 */
export async function redrive(target: OpsTarget, ref: QueueRef, opts: RedriveOptions): Promise<RedriveResult> {
  const run = {
    webhooks: redriveAll,
    commands: redriveCommands,
    scheduler: redriveScheduler,
    recovery: redriveRecovery,
  }[ref.kind];
  const done = await run(target, ref, opts);
  return { where: target.where, provider: ref.provider, queue: ref.kind, dryRun: Boolean(opts.dryRun), ...done };
}

function runsText(r: RedriveResult): string[] {
  const runs = [
    ...(r.polls ?? []).map(({ poll, ...o }) => ({ name: poll, ...o })),
    ...(r.recoveries ?? []).map(({ recovery, ...o }) => ({ name: recovery, ...o })),
  ];
  const outcome = (p: RunOutcome & { name: string }): string => {
    if (p.name === '?') return `${r.dryRun ? 'would be kept' : 'kept'}: ${p.error}`;
    if (r.dryRun) return 'would run it again';
    return p.ok ? 'ran again, messages deleted' : `run failed, messages kept: ${p.error}`;
  };
  return runs.map((p) => `  ${r.provider}/${p.name}: ${p.messages} message(s), ${outcome(p)}`);
}

/** Messages a dry run would settle: those of the missed runs it could run again. */
const runnable = (r: RedriveResult): number =>
  [...(r.polls ?? []), ...(r.recoveries ?? [])].filter((p) => p.ok).reduce((n, p) => n + p.messages, 0);

export function redriveText(r: RedriveResult): string {
  const from = `the ${r.provider} ${r.queue} DLQ`;
  const head =
    r.queue === 'scheduler' || r.queue === 'recovery'
      ? `${r.dryRun ? 'would settle' : 'settled'} ${r.dryRun ? runnable(r) : r.moved} message(s) of ${from} by running the missed ${r.queue === 'scheduler' ? 'polls' : 'recoveries'}`
      : r.dryRun
        ? `would move ${r.moved} message(s) from ${from} back to its queue`
        : r.status === 'RUNNING'
          ? `moving about ${r.moved} message(s) from ${from} back to its queue (task ${r.handle})`
          : `moved ${r.moved} message(s) from ${from} back to its queue`;
  const p = r.phases;
  const phases = p
    ? [
        `  ${p.claims} create(s) holding their claim first, then ${p.rest} other command(s)${p.waitedFor ? ` once those ran` : ''}`,
        ...(p.unsettled ? [`  still running when the rest went back: ${p.unsettled.join(', ')}`] : []),
      ]
    : [];
  return [`${head} on ${r.where}`, ...phases, ...runsText(r)].join('\n');
}

export const verb: OpsVerb = {
  synopsis: 'redrive <provider> [--queue Q]',
  summary:
    'move a DLQ back to its queue (commands: claim holders first; scheduler, recovery: run the missed runs) (--dry-run; --no-wait: AWS webhooks)',
  options: {
    queue: { type: 'string' },
    'no-wait': { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    'wait-seconds': { type: 'string', default: '300' },
  },
  run: async (ctx) => {
    const ref = ctx.queue();
    const waitMs = positiveInt('wait-seconds', ctx.option('wait-seconds')) * 1000;
    const registry: Registry = (name) => ctx.providers.find((p) => p.name === name);
    const opts = { wait: !ctx.flag('no-wait'), dryRun: ctx.flag('dry-run'), registry, waitMs };
    const r = await redrive(await ctx.target(), ref, opts);
    ctx.print(r, redriveText);
    return r.status === 'FAILED' ? 1 : 0;
  },
};
