import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drillTable } from '../../local/chaos/drill/figures';
import { runOutageDrill } from '../../local/chaos/drill/run';
import { chaosTable, writeChaosFiles } from '../../local/chaos/report';
import { runChaos } from '../../local/chaos/run';
import { cliMain, parseCli, positiveInt } from '../cli/main';
import { statusLine } from '../cli/progress';

export const USAGE = `npm run chaos -- [--seed S] [--events N] [--writes N] [--pages N] [--out DIR] [--no-drill]

Starts the local stack with its simulators and drives a seeded scenario (webhooks from every provider with
samples, a backfill, write commands) while injecting faults, then compares the final state with the state
the seed implies. Then the outage drill: the ingest down (503), then throttled (429), while every provider
sends and retries as it documents; recovery runs on its schedule; figures per provider (docs/recovery.md).
Prints both tables; writes DIR/result.json (the figures), details.json, logs.jsonl and drill.json.
Defaults: --seed 42 --events 3000 --writes 300 --pages 300 --out .local/chaos. Exit 0 only on a pass of both.`;

const OPTIONS = {
  seed: { type: 'string', default: '42' },
  events: { type: 'string', default: '3000' },
  writes: { type: 'string', default: '300' },
  pages: { type: 'string', default: '300' },
  out: { type: 'string', default: '.local/chaos' },
  'no-drill': { type: 'boolean', default: false },
} as const;

/**
 * `npm run chaos`: resolves to the exit code (0 on a pass, 1 on a fail, 2 on bad usage).
 *
 * @example
 * const code = await main(['--seed', '7', '--events', '300'], io);
 */
export const main = cliMain(USAGE, async (argv, io) => {
  const { values } = parseCli(argv, { options: OPTIONS });
  const opts = {
    seed: positiveInt('seed', values.seed),
    events: positiveInt('events', values.events),
    writes: positiveInt('writes', values.writes),
    pages: positiveInt('pages', values.pages),
  };
  io.stdout.write(
    `chaos run: seed ${opts.seed}, ${opts.events} events, ${opts.writes} commands, ${opts.pages} backfill pages\n`,
  );
  const status = statusLine(io);
  const result = await runChaos({ ...opts, onProgress: (line) => status.update(line) }).finally(() => status.stop());
  io.stdout.write(`\n${chaosTable(result)}\n`);
  writeChaosFiles(values.out, result, { ...opts, finishedAt: new Date().toISOString() });
  io.stdout.write(`\nwrote ${values.out}/result.json, details.json, logs.jsonl\n`);
  if (values['no-drill']) return result.pass ? 0 : 1;
  const drill = await runOutageDrill({ seed: opts.seed, onProgress: (line) => io.stdout.write(`${line}\n`) });
  const outages = drill.outages.map((o) => `${o.status} from minute ${o.fromMin} to ${o.toMin}`).join(', then ');
  io.stdout.write(
    `\noutage drill (${outages}; ${drill.simulatedHours} hours of provider time in ${(drill.durationMs / 1000).toFixed(1)} s)\n${drillTable(drill.figures)}\n${drill.pass ? 'PASS' : 'FAIL'}: lost, duplicated and stale 0 where the provider has a recovery API\n`,
  );
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'drill.json'), `${JSON.stringify(drill, null, 2)}\n`);
  return result.pass && drill.pass ? 0 : 1;
});
