import { parseArgs } from 'node:util';
import { chaosTable, writeChaosFiles } from '../local/chaos/report';
import { runChaos } from '../local/chaos/run';

const USAGE = `npm run chaos -- [--seed S] [--events N] [--writes N] [--pages N] [--out DIR]

Starts the local stack with its simulators and drives a seeded scenario (webhooks across six providers,
a backfill, write commands) while injecting faults, then compares the final state with the state the seed
implies. Prints a table; writes DIR/result.json (the figures), details.json and logs.jsonl.
Defaults: --seed 42 --events 3000 --writes 300 --pages 300 --out .local/chaos. Exit 0 only on a pass.`;

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '42' },
    events: { type: 'string', default: '3000' },
    writes: { type: 'string', default: '300' },
    pages: { type: 'string', default: '300' },
    out: { type: 'string', default: '.local/chaos' },
    help: { type: 'boolean', default: false },
  },
});
const num = (name: keyof typeof values) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const opts = { seed: num('seed'), events: num('events'), writes: num('writes'), pages: num('pages') };
console.log(
  `chaos run: seed ${opts.seed}, ${opts.events} events, ${opts.writes} commands, ${opts.pages} backfill pages`,
);
const result = await runChaos({ ...opts, onProgress: (line) => console.log(`  ${line}`) });
console.log(`\n${chaosTable(result)}`);
writeChaosFiles(values.out!, result, { ...opts, finishedAt: new Date().toISOString() });
console.log(`\nwrote ${values.out}/result.json, details.json, logs.jsonl`);
process.exit(result.pass ? 0 : 1);
