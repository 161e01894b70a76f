import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { keptUp, type LoadResult, runLoad } from '../../local/load/run';
import { cliMain, parseCli, positiveInt } from '../cli/main';
import { statusLine } from '../cli/progress';

export const USAGE = `npm run load -- [--rate N] [--seconds N] [--connections N]

Holds a steady rate of signed webhooks (every provider with samples, in turn) against the local stack on
loopback, its processor running, then waits for the queues to drain. Prints accepted/s, latency, queue depth
and errors; writes .local/load/result.json. Defaults: --rate 100 --seconds 60 --connections 20.
Exit 0 when there were no errors and the processor kept up.`;

const OPTIONS = {
  rate: { type: 'string', default: '100' },
  seconds: { type: 'string', default: '60' },
  connections: { type: 'string', default: '20' },
} as const;

function table(r: LoadResult, rate: number, load: { before: number; after: number }): string {
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
    ['1-min load average before / after', `${load.before.toFixed(2)} / ${load.after.toFixed(2)}`],
  ];
  const verdict = keptUp(r) ? 'PASS: no errors, the processor kept up' : 'FAIL';
  return `${rows.map(([k, v]) => `${k.padEnd(38)}${v}`).join('\n')}\n\n${verdict}`;
}

/**
 * `npm run load`: resolves to the exit code (0 when the processor kept up without errors, 1 if not, 2 on bad usage).
 *
 * @example
 * const code = await main(['--rate', '50', '--seconds', '10'], io);
 */
export const main = cliMain(USAGE, async (argv, io) => {
  const { values } = parseCli(argv, { options: OPTIONS });
  const rate = positiveInt('rate', values.rate);
  const seconds = positiveInt('seconds', values.seconds, 600);
  const connections = positiveInt('connections', values.connections);
  const before = loadavg()[0]!;
  io.stdout.write(
    `load: ${rate} webhooks/s for ${seconds} s over ${connections} connections (1-min load average before: ${before.toFixed(2)} on ${cpus().length} CPUs)\n`,
  );
  const status = statusLine(io);
  const r = await runLoad({ rate, seconds, connections, onProgress: (line) => status.update(line) }).finally(() =>
    status.stop(),
  );
  const after = loadavg()[0]!;
  io.stdout.write(`\n${table(r, rate, { before, after })}\n`);
  mkdirSync('.local/load', { recursive: true });
  const at = new Date().toISOString();
  const file = { ...r, loadAverage: { before, after }, cpus: cpus().length, at };
  writeFileSync('.local/load/result.json', `${JSON.stringify(file, null, 2)}\n`);
  return keptUp(r) ? 0 : 1;
});
