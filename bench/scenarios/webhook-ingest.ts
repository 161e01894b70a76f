import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure, type Figure, type RunOptions, type Scenario } from '../figure';
import { signedDeliveries } from '../webhook-ingest/deliveries';
import { handlerCpu } from '../webhook-ingest/handler-cpu';
import { load, startServer, type LoadResult } from '../webhook-ingest/load';

const HERE = join(fileURLToPath(import.meta.url), '..', '..', 'webhook-ingest');
const CONNECTIONS = 20;
const ROUNDS = 3;
const ROUND_SECONDS = 3;
const FIXED_RATE = 500;
// BENCH_CPU_PROF=1 writes a .cpuprofile of the local stack process under load (node --cpu-prof).
const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', 'bench/profiles'] : [];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function check(name: string, r: LoadResult): LoadResult {
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(`${name}: ${r.non2xx} non-2xx answers and ${r.errors} errors of ${r.requests} requests`);
  return r;
}

/**
 * Webhook ingest: signed 2 KB GitHub webhooks at 20 connections against the local stack and, in
 * the same run, against a minimal verify-and-enqueue node:http server; then the ingest handler's
 * CPU per webhook when called directly.
 *
 * Fair on a shared 2-core machine: each server runs in its own process (autocannon has the other
 * core); the stack's processor is paused (in AWS it runs on other Lambdas); the two servers take
 * turns in short alternating rounds and each figure is the median over rounds, so a noisy
 * neighbour hits both alike.
 */
export const webhookIngest: Scenario = {
  id: 'webhook-ingest',
  description:
    'signed 2 KB GitHub webhooks: local stack vs a minimal verify-and-enqueue server at 20 connections; handler CPU per webhook',
  async run(opts: RunOptions = {}): Promise<Figure[]> {
    const roundCount = opts.quick ? 1 : ROUNDS;
    const roundSeconds = opts.quick ? 1 : ROUND_SECONDS;
    const stack = await startServer<{ url: string; secret: string }>(join(HERE, 'stack-server.ts'), [], profile);
    const deliveries = signedDeliveries(stack.info.secret, 2000);
    const minimal = await startServer<{ url: string }>(join(HERE, 'minimal-server.ts'), [stack.info.secret]);
    const targets = { minimal: minimal.info.url, stack: stack.info.url };
    const rounds: Record<keyof typeof targets, LoadResult[]> = { minimal: [], stack: [] };
    const fixed: Partial<Record<keyof typeof targets, LoadResult>> = {};
    try {
      for (const url of Object.values(targets))
        await load(url, deliveries, { connections: CONNECTIONS, seconds: opts.quick ? 1 : 2 });
      for (let r = 0; r < roundCount; r += 1) {
        const order = r % 2 === 0 ? (['minimal', 'stack'] as const) : (['stack', 'minimal'] as const);
        for (const name of order)
          rounds[name].push(
            check(name, await load(targets[name], deliveries, { connections: CONNECTIONS, seconds: roundSeconds })),
          );
      }
      for (const name of ['minimal', 'stack'] as const)
        fixed[name] = check(
          name,
          await load(targets[name], deliveries, { connections: CONNECTIONS, seconds: roundSeconds, rate: FIXED_RATE }),
        );
    } finally {
      await Promise.all([minimal.stop(), stack.stop()]);
    }
    const cpu = await handlerCpu(deliveries, stack.info.secret, opts.quick ? 2_000 : 20_000);
    const m = (name: keyof typeof targets, f: (r: LoadResult) => number) => median(rounds[name].map(f));
    const id = 'webhook-ingest' as const;
    return [
      figure(
        id,
        'throughput, local stack vs minimal server',
        m('stack', (r) => r.requestsPerSecond),
        'req/s',
        { baseline: m('minimal', (r) => r.requestsPerSecond), target: '>= 0.5 ratio' },
      ),
      figure(
        id,
        'p50 latency at 20 connections',
        m('stack', (r) => r.p50),
        'ms',
        { baseline: m('minimal', (r) => r.p50) },
      ),
      figure(
        id,
        'p99 latency at 20 connections',
        m('stack', (r) => r.p99),
        'ms',
        { baseline: m('minimal', (r) => r.p99), target: '<= 10 ms' },
      ),
      figure(id, `p99 latency at ${FIXED_RATE} req/s`, fixed.stack!.p99, 'ms', { baseline: fixed.minimal!.p99 }),
      figure(id, 'ingest handler CPU per 2 KB webhook', cpu.handler, 'us', {
        baseline: cpu.minimal,
        target: '<= 3 ratio',
      }),
    ];
  },
};
