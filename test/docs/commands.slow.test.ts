import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { opsMain } from '../../bin/ops/main';
import { runCli } from '../helpers/cli';
import { testStack } from '../helpers/local-stack';
const COMMAND_TIMEOUT_MS = 90_000;

/** Commands another file runs; that file must exist and show each string. Keys are whole commands (or `&&` parts). */
const RUN_ELSEWHERE: Record<string, { file: string; shows: string[] }> = {
  'npm ci': { file: '.ci/run', shows: ['npm ci'] },
  'npm test': { file: '.ci/run', shows: ['npm test'] },
  'npm start': { file: 'test/tooling/npm-start.slow.test.ts', shows: ["describe('npm start'", "'bin/local.ts'"] },
  'npm start -- --no-demo': { file: 'test/tooling/npm-start.slow.test.ts', shows: ["'--no-demo'"] },
  'npm start -- --aws-endpoint http://127.0.0.1:5000': {
    file: 'test/tooling/npm-start.slow.test.ts',
    shows: ["'--aws-endpoint', moto.url", 'startMoto()'],
  },
  'npx cdk synth': { file: 'test/infra/synth.slow.test.ts', shows: ["'cdk', 'synth'"] },
  'npx cdk synth --quiet': { file: 'test/infra/synth.slow.test.ts', shows: ["'cdk', 'synth', '--quiet'"] },
  "cfn-lint 'cdk.out/**/*.template.json'": {
    file: 'test/infra/synth.slow.test.ts',
    shows: ['runCfnLint(templates', 'templatesIn(out)'],
  },
  'npm run chaos': { file: 'test/tooling/chaos.slow.test.ts', shows: ['npm run chaos', 'runChaos('] },
  'npm run chaos -- --seed 7 --events 300 --writes 40 --pages 30': {
    file: 'test/tooling/chaos.slow.test.ts',
    shows: ['seed: 7', 'events: 300', 'writes: 40', 'pages: 30'],
  },
};

/** Measurement runs of minutes: any command starting with the key is run here once, in this short form instead. */
const SHORTENED: Record<string, string> = {
  'npm run bench': 'npm run bench -- --quick --scenario rate-limited-sync --out .local/bench-results.json',
  'npm run load': 'npm run load -- --rate 5 --seconds 1',
};

/** Paths in README's "where things live" that other #18 branches are creating; each goes once it exists. */
const PENDING_PATHS: string[] = [];

function docFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) return path === 'docs/runbooks' ? [] : walk(path);
      return e.name.endsWith('.md') ? [path] : [];
    });
  return ['README.md', ...walk('docs')];
}

const isElsewhere = (command: string) => command.split(/\s+&&\s+/).every((part) => part in RUN_ELSEWHERE);
const shortened = (command: string) =>
  Object.keys(SHORTENED).find((prefix) => command === prefix || command.startsWith(`${prefix} `));

/** What this test runs: each local command once (shortened ones in their short form), with where it is shown. */
function toRun(shown: Shown[]): Map<string, string> {
  const commands = new Map<string, string>();
  for (const s of shown) {
    const command = withoutComment(s.command);
    if (s.aws || isElsewhere(command)) continue;
    const prefix = shortened(command);
    const runs = prefix ? SHORTENED[prefix]! : command;
    if (!commands.has(runs)) commands.set(runs, s.where);
  }
  return commands;
}

/** True when a repository path exists; `<name>` stands for any one path segment, a trailing `/` for a folder. */
function pathExists(path: string): boolean {
  const folder = path.endsWith('/');
  const segments = path.replace(/\/$/, '').split('/');
  const match = (dir: string, rest: string[]): boolean => {
    const [head, ...tail] = rest;
    if (head === undefined) return folder ? statSync(dir).isDirectory() : statSync(dir).isFile();
    const pattern = new RegExp(`^${head.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/<[^>]+>/g, '[^/]+')}$`);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return false;
    return readdirSync(dir).some((e) => pattern.test(e) && match(join(dir, e), tail));
  };
  return match(ROOT, segments);
}

/** The backticked repository paths in README's "Where things live" table. */
function whereThingsLive(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Where things live'));
  if (!section) return [];
  const rows = section.split('\n').filter((l) => l.startsWith('|'));
  const spans = rows.flatMap((row) => [...row.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!));
  return [...new Set(spans.filter((s) => s.includes('/') || /\.\w+$/.test(s)))];
}

const shown = docFiles().flatMap((file) => commandsIn(file));

describe('README.md, the front door', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');

  it('shows the two commands and where things live on its first screen, in at most 250 lines', () => {
    const firstScreen = readme.slice(0, 45).join('\n');
    expect(firstScreen).toContain('npm start');
    expect(firstScreen).toContain('npm test');
    expect(firstScreen).toContain('## Where things live');
    expect(readme.length).toBeLessThanOrEqual(250);
  });

  it('links every docs page', () => {
    const text = readme.join('\n');
    const pages = docFiles().filter((f) => f.startsWith('docs/'));
    expect(pages.filter((p) => !text.includes(`(${p})`))).toEqual([]);
    expect(text).toContain('(docs/runbooks/README.md)');
  });

  it('names only paths that exist in its "where things live" table', () => {
    const paths = whereThingsLive();
    expect(paths.length).toBeGreaterThan(15);
    const missing = paths.filter((p) => !pathExists(p) && !PENDING_PATHS.includes(p));
    expect(missing).toEqual([]);
    // A pending path that now exists is checked like the others: take it off the list.
    expect(PENDING_PATHS.filter((p) => pathExists(p))).toEqual([]);
    expect(PENDING_PATHS.filter((p) => !paths.includes(p))).toEqual([]);
  });
});

describe('commands shown in README.md and docs/', () => {
  it('finds the commands, in shell blocks and inline, with AWS-only ones marked', () => {
    const commands = shown.map((s) => s.command);
    expect(commands).toContain('npm ci && npm start');
    expect(commands).toContain('npm test');
    expect(shown.filter((s) => s.aws).length).toBeGreaterThan(5);
    // A marked line never runs here, so nothing unmarked may need AWS.
    expect(
      shown.filter((s) => !s.aws && /\s--aws(?![\w-])|^aws |cdk (deploy|bootstrap|destroy)/.test(s.command)),
    ).toEqual([]);
  });

  it('names, for each command run elsewhere, a file that exists and runs it', () => {
    const used = new Set(shown.filter((s) => !s.aws).flatMap((s) => withoutComment(s.command).split(/\s+&&\s+/)));
    for (const [command, { file, shows }] of Object.entries(RUN_ELSEWHERE)) {
      expect(used.has(command), `${command}: no longer shown in the docs; take it off RUN_ELSEWHERE`).toBe(true);
      expect(existsSync(join(ROOT, file)), `${command}: ${file} does not exist`).toBe(true);
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const s of shows) expect(text, `${command}: ${file} does not show ${s}`).toContain(s);
    }
    for (const prefix of Object.keys(SHORTENED))
      expect(
        shown.some((s) => shortened(withoutComment(s.command)) === prefix),
        prefix,
      ).toBe(true);
  });

  describe('run here, against one local stack', () => {
    let stack: Awaited<ReturnType<typeof testStack>>;
    let checkout: string;

    beforeAll(async () => {
      // Recovery's simulators too, so `npm run sync -- --recover` finds them as it finds `npm start`'s.
      stack = await testStack({ polls: { autoStart: false }, recovery: { autoStart: false } });
      checkout = checkoutView(stack.stack.dataDir);
      const s = stack.stack;
      // As `npm start` does at once: the first scheduled poll, which sets the checkpoint 3 days back.
      for (const { event } of s.polls!.scheduler.schedules) await s.polls!.scheduler.invoke(event);
      announceStack(s);
      // One accepted event in the archive, for `ops event github latest`.
      expect((await runCli(opsMain(), ['send', 'github', '--data-dir', s.dataDir])).code).toBe(0);
      await s.drained();
    });
    afterAll(async () => {
      rmSync(checkout, { recursive: true, force: true });
      await stack?.close();
    });

    it('exits 0 for every command that needs no AWS account', async () => {
      const commands = toRun(shown);
      expect(commands.size).toBeGreaterThan(10);
      const limit = pLimit(2);
      const results = await Promise.all([...commands.keys()].map((c) => limit(() => run(c, checkout))));
      const failed = results.filter((r) => r.code !== 0);
      const report = (r: (typeof results)[number]) =>
        `${commands.get(r.command)}: ${r.command}\n  exit ${r.code} after ${r.ms} ms\n${r.output.slice(-1500)}`;
      expect(failed.map(report)).toEqual([]);
    }, 240_000);
  });
});

/** Runs one command as shown; `npm start` serves until stopped, on port 3000 unless told otherwise: only the table's tests run it. */
function run(command: string, cwd: string): Promise<ShellRun> {
  if (/^npm start\b/.test(command))
    return Promise.resolve({ command, code: -1, output: 'npm start is not run here: list it in RUN_ELSEWHERE', ms: 0 });
  return runShell(command, cwd, COMMAND_TIMEOUT_MS);
}
