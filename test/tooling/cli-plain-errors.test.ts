import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main as bench } from '../../bench/main';
import { main as chaos } from '../../bin/chaos/main';
import type { Main } from '../../bin/cli/main';
import { statusLine } from '../../bin/cli/progress';
import { main as load } from '../../bin/load/main';
import { main as start } from '../../bin/local/main';
import { main as ops } from '../../bin/ops/main';
import { main as smoke } from '../../bin/smoke/main';
import { main as sync } from '../../bin/sync/main';
import { syncProgress } from '../../bin/sync/progress';
import { emptySummary } from '../../lambdas/core/sync/run-poll';
import { runCli } from '../helpers/cli';

interface Cli {
  name: string;
  entry: string;
  main: Main;
  /** The usage's first words. */
  usage: string;
  /** Bad command lines and the one line each must print. */
  bad: [string[], RegExp][];
}

const CLIS: Cli[] = [
  {
    name: 'npm start',
    entry: 'bin/local.ts',
    main: start,
    usage: 'npm start -- [--port N]',
    bad: [
      [['--no-dmeo'], /^Unknown option '--no-dmeo'$/],
      [['--poll-every', '0'], /^--poll-every must be a positive number, got 0$/],
      [['--port', 'high'], /^--port must be a port number, got high$/],
    ],
  },
  {
    name: 'ops',
    entry: 'bin/ops.ts',
    main: ops,
    usage: 'npm run ops -- <command>',
    bad: [
      [
        ['redrive', 'trello', '--queue', 'everything'],
        /^--queue must be one of webhooks, commands, scheduler, recovery, got everything$/,
      ],
      [['dlq', 'football'], /^football has no webhooks queue$/],
      [['dlq', 'github', '--queue', 'commands'], /^github has no commands queue$/],
      [['dlq', 'github', '--from', '2024-05-01'], /^Unknown option '--from'$/],
      [[], /^missing a command$/],
      [['circuits', 'github'], /^unknown command circuits$/],
      [['dlq'], /^missing a provider: one of github, /],
      [['dlq', 'nope'], /^unknown provider nope; known: /],
      [['dlq', 'github', '--limit', 'many'], /^--limit must be a positive integer, got many$/],
      [['replay', 'github', '--from', 'yesterday', '--to', '2024-05-02'], /^--from needs an ISO date/],
      [['command', 'trello', 'createCard'], /^missing --input JSON$/],
      [['command', 'trello', 'createCard', '--input', '{'], /^--input must be JSON$/],
      [['dlq', 'github', '--json=yes'], /^Option '--json' does not take an argument$/],
    ],
  },
  {
    name: 'sync',
    entry: 'bin/sync.ts',
    main: sync,
    usage: 'npm run sync -- --provider NAME',
    bad: [
      [['--provider', 'football', '--window', '1d'], /^Unknown option '--window'$/],
      [[], /^unknown provider with polls: \(none\); known: trello, football$/],
      [['--provider', 'football', '--to', '2024-08-01'], /^--to needs --from$/],
      [['--provider', 'football', '--from', '2024-08-02', '--to', '2024-08-01'], /^--to must be after --from$/],
      [['--provider', 'football', '--stage', 'prod'], /^--stage and --function need --aws$/],
      [['--provider', 'football', '--concurrency', '0'], /^--concurrency must be a positive integer, got 0$/],
      [['--provider'], /^Option '--provider <value>' argument missing$/],
    ],
  },
  {
    name: 'chaos',
    entry: 'bin/chaos.ts',
    main: chaos,
    usage: 'npm run chaos -- [--seed S]',
    bad: [
      [['--json'], /^Unknown option '--json'$/],
      [['--events', '0'], /^--events must be a positive integer, got 0$/],
      [['--seed'], /^Option '--seed <value>' argument missing$/],
      [['fast'], /^Unexpected argument 'fast'$/],
    ],
  },
  {
    name: 'load',
    entry: 'bin/load.ts',
    main: load,
    usage: 'npm run load -- [--rate N]',
    bad: [
      [['--json'], /^Unknown option '--json'$/],
      [['--seconds', '601'], /^--seconds must be a positive integer \(at most 600\), got 601$/],
      [['--rate', 'fast'], /^--rate must be a positive integer, got fast$/],
    ],
  },
  {
    name: 'bench',
    entry: 'bench/run.ts',
    main: bench,
    usage: 'npm run bench -- [--scenario ID',
    bad: [
      [['--fast'], /^Unknown option '--fast'$/],
      [['--scenario', 'nope'], /^unknown scenario\(s\): nope$/],
      [['--node', '/nonexistent/node'], /^--node must be a node binary that runs, got \/nonexistent\/node$/],
    ],
  },
  {
    name: 'smoke',
    entry: 'bin/smoke.ts',
    main: smoke,
    usage: 'npx tsx bin/smoke.ts [--stage NAME]',
    bad: [
      [['--stage'], /^Option '--stage <value>' argument missing$/],
      [['--region', 'eu-west-1'], /^Unknown option '--region'$/],
      [['staging'], /^Unexpected argument 'staging'$/],
    ],
  },
];

const cases = CLIS.flatMap((cli) =>
  cli.bad.map(([argv, line]) => [cli.name, argv.join(' '), cli, argv, line] as const),
);

describe('plain errors on every CLI', () => {
  it.each(cases)('%s %s: one line naming the problem, then the usage; exit 2, no stack trace', async (...c) => {
    const [, , cli, argv, line] = c;
    const run = await runCli(cli.main, argv, {});
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const [first, blank, usage] = run.stderr.split('\n');
    expect(first).toMatch(line);
    expect([blank, usage?.startsWith(cli.usage)]).toEqual(['', true]);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it.each(CLIS.map((cli) => [cli.name, cli] as const))('%s --help prints the usage and exits 0', async (_n, cli) => {
    const run = await runCli(cli.main, ['--help'], {});
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.startsWith(cli.usage)).toBe(true);
  });

  // The thin entries themselves: each passes its arguments to main and exits with its code.
  it.each(CLIS.map((cli) => [cli.entry, cli] as const))(
    '%s exits with main’s code and prints its line',
    async (entry, cli) => {
      const [argv, line] = cli.bad[0]!;
      const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
      const failed = await promisify(execFile)(tsx, [entry, ...argv], { env: process.env }).then(
        () => undefined,
        (err: { code: number; stderr: string }) => err,
      );
      expect(failed?.code).toBe(2);
      expect(failed?.stderr.split('\n')[0]).toMatch(line);
    },
  );
});

describe('progress displays', () => {
  it('write nothing when stdout is not a terminal, however often they update', () => {
    const written: string[] = [];
    const io = { stdout: { write: (t: string) => written.push(t), isTTY: false }, stderr: { write: () => 0 }, env: {} };
    const status = statusLine(io);
    const bar = syncProgress(io);
    for (let i = 0; i < 50; i += 1) {
      status.update(`webhooks ${i}/50 sent`);
      bar.update({ ...emptySummary('football', 'fixtures', 'range'), windowsPlanned: 50, windows: i });
    }
    status.stop();
    bar.stop();
    expect(written).toEqual([]);
  });
});
