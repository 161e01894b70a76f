import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { opsMain } from '../../bin/ops/main';
import * as verbs from '../../bin/ops/verbs';
import { ALARM_RULES } from '../../lambdas/core/alarm-rules';
import { providers } from '../../lambdas/providers';
import { stageConfig } from '../../lib/stages';
import { SqsMoveTaskContract } from '../contracts/sqs-move-task';
import { runCli } from '../helpers/cli';
import {
  announceStack,
  checkoutView,
  commandsIn,
  ROOT,
  runShell,
  type ShellRun,
  type Shown,
  withoutComment,
} from '../helpers/doc-commands';
import { testStack } from '../helpers/local-stack';
import { type Moto, startMoto } from '../helpers/moto';
import { MOTO_CREDENTIALS, MOTO_REGION, seedMotoStage } from '../helpers/moto-stage';
import { PLACEHOLDERS, RUNBOOKS, type RunbookContext } from './runbook-conditions';

const COMMAND_TIMEOUT_MS = 120_000;
const RULES = readdirSync(join(ROOT, 'docs', 'runbooks'))
  .filter((f) => f.endsWith('.md') && f !== 'README.md')
  .map((f) => f.replace(/\.md$/, ''))
  .sort();
const LOCAL_ONLY = new Set(
  Object.entries(verbs)
    .filter(([, v]) => v.localOnly)
    .map(([name]) => name),
);
const shownIn = (rule: string): Shown[] => commandsIn(`docs/runbooks/${rule}.md`, { inline: false });

/** The command with its placeholders filled: the rule's own values, then the condition's, then the defaults. */
function fill(command: string, rule: string, fromCondition: Record<string, string> = {}): string {
  const values = { ...PLACEHOLDERS, ...RUNBOOKS[rule]?.placeholders, ...fromCondition };
  const filled = command.replace(/<[a-z][a-z-]*>/g, (p) => {
    const v = values[p];
    if (v === undefined)
      throw new Error(`${rule}: no value for ${p}: add it to the placeholders in runbook-conditions.ts`);
    return typeof v === 'function' ? v() : v;
  });
  return withoutComment(filled);
}

/** The ops verb a command line calls, if it is `npm run ops -- <verb> ...`. */
const opsArgs = (command: string): string[] | undefined => {
  const m = /^npm run ops -- (.+)$/.exec(command);
  return m ? m[1]!.match(/'[^']*'|"[^"]*"|\S+/g)!.map((a) => a.replace(/^['"]|['"]$/g, '')) : undefined;
};

describe('docs/runbooks', () => {
  it('has an entry in runbook-conditions.ts for every runbook, and a runbook for every alarm rule', () => {
    expect(RULES.filter((r) => !RUNBOOKS[r])).toEqual([]);
    expect(Object.keys(RUNBOOKS).filter((r) => !RULES.includes(r))).toEqual([]);
    expect(ALARM_RULES.map((r) => r.id).filter((id) => !RULES.includes(id))).toEqual([]);
    for (const [rule, e] of Object.entries(RUNBOOKS))
      expect(Boolean(e.condition) !== Boolean(e.noCondition), rule).toBe(true);
  });

  it('shows commands that exist: every ops verb is one the CLI has, every line that needs AWS says so', () => {
    for (const rule of RULES) {
      const shown = shownIn(rule);
      expect(shown.filter((s) => !s.aws).length, `${rule}: no command runs locally`).toBeGreaterThan(0);
      // A line that needs an account is marked: the `aws` CLI, or the ops CLI on a deployed stage.
      expect(shown.filter((s) => !s.aws && /^aws |\s--aws\b/.test(s.command)).map((s) => s.where)).toEqual([]);
      for (const s of shown) {
        const args = opsArgs(withoutComment(s.command));
        if (args) expect(Object.keys(verbs), `${s.where}: ${s.command}`).toContain(args[0]);
      }
    }
  });
});

describe('every runbook command, run as on-call types it, against a local stack in its alarm state', () => {
  let stack: Awaited<ReturnType<typeof testStack>>;
  let checkout: string;
  let ctx: RunbookContext;

  beforeAll(async () => {
    // The breaker probes again a second after it opens, so the circuit runbook can see it close.
    const fastProbe = providers.map((p) =>
      p.name === 'football' ? { ...p, circuitBreaker: { ...p.circuitBreaker, halfOpenAfterMs: 1000 } } : p,
    );
    // Visibility as in AWS terms: well above a batch's time on a loaded machine, so nothing is redelivered early.
    // Each route throttled as `npm start` throttles it (the dev stage's budget), so a burst gets its 429s.
    stack = await testStack({
      polls: { autoStart: false },
      // Unscheduled: webhooks-missed runs the recoveries by hand against their simulators.
      recovery: { autoStart: false },
      providers: fastProbe,
      visibilityTimeoutMs: 5000,
      throttle: stageConfig('dev').throttle,
    });
    const s = stack.stack;
    for (const { event } of s.polls!.scheduler.schedules) await s.polls!.scheduler.invoke(event);
    announceStack(s);
    checkout = checkoutView(s.dataDir);
    const ops = opsMain(fastProbe);
    ctx = {
      stack: s,
      opsJson: async <T>(...argv: string[]) => {
        const run = await runCli(ops, [...argv, '--json', '--data-dir', s.dataDir]);
        if (run.code !== 0) throw new Error(`ops ${argv.join(' ')}: exit ${run.code}\n${run.stderr}`);
        return JSON.parse(run.stdout) as T;
      },
    };
  });
  afterAll(async () => {
    rmSync(checkout, { recursive: true, force: true });
    await stack?.close();
  });

  it.each(RULES)(
    '%s',
    async (rule) => {
      const entry = RUNBOOKS[rule]!;
      const values = (await entry.condition?.drive(ctx)) ?? {};
      const runs: ShellRun[] = [];
      for (const s of shownIn(rule).filter((x) => !x.aws)) {
        const run = await runShell(fill(s.command, rule, values), checkout, COMMAND_TIMEOUT_MS);
        runs.push(run);
        expect(run.code, `${s.where}: ${run.command}\n${run.output.slice(-2000)}`).toBe(0);
      }
      await entry.condition?.repaired(ctx, runs);
    },
    240_000,
  );
});

describe('every runbook ops line with --aws, against a stage in moto', () => {
  let moto: Moto;
  let proxy: SqsMoveTaskContract;
  let endpoint: string;
  const stage = `runbooks${process.pid}`;

  beforeAll(async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', MOTO_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', MOTO_CREDENTIALS.secretAccessKey);
    moto = await startMoto();
    proxy = new SqsMoveTaskContract(moto.url);
    endpoint = await proxy.start();
    await seedMotoStage(moto.url, stage, providers);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await proxy?.stop();
    await moto?.stop();
  });

  it('exits 0 for each, on the stage it names (placeholders filled; event lookups may find nothing there)', async () => {
    const ops = opsMain();
    const failed: string[] = [];
    for (const rule of RULES) {
      for (const s of shownIn(rule)) {
        const args = opsArgs(fill(s.command.replace(/\s--aws\b|\s--stage\s+\S+/g, ''), rule, { '<event-id>': 'none' }));
        // A verb that acts on the local stack only (send, command) refuses --aws, as its usage says.
        if (!args || LOCAL_ONLY.has(args[0]!)) continue;
        const run = await runCli(ops, [...args, '--aws', '--stage', stage, '--endpoint-url', endpoint], {
          ...process.env,
          AWS_REGION: MOTO_REGION,
        });
        const lookupMiss = args[0] === 'event' && run.code === 1 && /no archived/.test(run.stderr);
        if (run.code !== 0 && !lookupMiss)
          failed.push(`${s.where}: ${args.join(' ')} --aws: exit ${run.code}\n${run.stderr}`);
      }
    }
    expect(failed).toEqual([]);
  }, 240_000);
});
