import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { keptUp, runLoad } from '../local/load/run';

const USAGE = `npm run load -- [--rate N] [--seconds N] [--connections N]

Holds a steady rate of signed webhooks (six providers in turn) against the local stack on loopback, its
processor running, then waits for the queues to drain. Prints accepted/s, latency, queue depth and errors;
writes .local/load/result.json. Defaults: --rate 100 --seconds 60 --connections 20.
Exit 0 when there were no errors and the processor kept up.`;

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '60' },
    connections: { type: 'string', default: '20' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [rate, seconds, connections] = [values.rate, values.seconds, values.connections].map(Number) as [
  number,
  number,
  number,
];
if (![rate, seconds, connections].every((n) => Number.isInteger(n) && n > 0) || seconds > 600) {
  console.error(`--rate, --seconds (at most 600) and --connections must be positive integers\n\n${USAGE}`);
  process.exit(2);
}
const before = loadavg()[0]!;
console.log(
  `load: ${rate} webhooks/s for ${seconds} s over ${connections} connections (1-min load average before: ${before.toFixed(2)} on ${cpus().length} CPUs)`,
);
const r = await runLoad({ rate, seconds, connections, onProgress: (line) => console.log(`  ${line}`) });
const after = loadavg()[0]!;
const rows: [string, string | number][] = [
  ['target rate', `${rate}/s`],
  ['requests', r.requests],
  ['accepted/s', r.acceptedPerSecond.toFixed(1)],
  ['latency p50 / p99 / max', `${r.p50Ms} / ${r.p99Ms} / ${r.maxMs} ms`],
  ['errors (non-2xx, failed, timed out)', r.errors],
  ['queue depth at end / max', `${r.queueDepthAtEnd} / ${r.queueDepthMax}`],
  ['drained after the load in', `${(r.drainMs / 1000).toFixed(1)} s`],
  ['processed / accepted', `${r.processed} / ${r.accepted}`],
  ['dead-lettered', r.deadLettered],
  ['stack RSS', `${r.stackRssMb} MB`],
  ['1-min load average before / after', `${before.toFixed(2)} / ${after.toFixed(2)}`],
];
console.log(
  `\n${rows.map(([k, v]) => `${k.padEnd(38)}${v}`).join('\n')}\n\n${keptUp(r) ? 'PASS: no errors, the processor kept up' : 'FAIL'}`,
);
mkdirSync('.local/load', { recursive: true });
writeFileSync(
  '.local/load/result.json',
  `${JSON.stringify({ ...r, loadAverage: { before, after }, cpus: cpus().length, at: new Date().toISOString() }, null, 2)}\n`,
);
process.exit(keptUp(r) ? 0 : 1);
