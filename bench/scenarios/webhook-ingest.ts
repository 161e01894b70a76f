import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure, type Figure, type Scenario } from '../figure';
import { signedDeliveries } from '../webhook-ingest/deliveries';
import { handlerCpu } from '../webhook-ingest/handler-cpu';
import { load, startServer } from '../webhook-ingest/load';

const HERE = join(fileURLToPath(import.meta.url), '..', '..', 'webhook-ingest');
const CONNECTIONS = 20;
// BENCH_CPU_PROF=1 writes a .cpuprofile of the local stack process under load (node --cpu-prof).
const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', 'bench/profiles'] : [];

/**
 * Webhook ingest: signed 2 KB GitHub webhooks at 20 connections against the local stack and, in
 * the same run, against a minimal verify-and-enqueue node:http server; then the ingest handler's
 * CPU per webhook when called directly.
 */
export const webhookIngest: Scenario = {
  id: 'webhook-ingest',
  description: 'signed 2 KB GitHub webhooks: local stack vs a minimal verify-and-enqueue server at 20 connections; handler CPU per webhook',
  async run(): Promise<Figure[]> {
    const stack = await startServer<{ url: string; secret: string }>(join(HERE, 'stack-server.ts'), [], profile);
    const deliveries = signedDeliveries(stack.info.secret, 2000);
    const minimal = await startServer<{ url: string }>(join(HERE, 'minimal-server.ts'), [stack.info.secret]);
    const opts = { connections: CONNECTIONS, seconds: 10, warmupSeconds: 2 };
    let base;
    let ours;
    try {
      base = await load(minimal.info.url, deliveries, opts);
      ours = await load(stack.info.url, deliveries, opts);
    } finally {
      await Promise.all([minimal.stop(), stack.stop()]);
    }
    for (const [name, r] of [['minimal server', base], ['local stack', ours]] as const) {
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx answers and ${r.errors} errors of ${r.requests} requests`);
    }
    const cpu = await handlerCpu(deliveries, stack.info.secret, 20_000);
    const id = 'webhook-ingest' as const;
    return [
      figure(id, 'throughput, local stack vs minimal server', ours.requestsPerSecond, 'req/s', { baseline: base.requestsPerSecond, target: '>= 0.5 ratio' }),
      figure(id, 'p50 latency at 20 connections', ours.p50, 'ms', { baseline: base.p50 }),
      figure(id, 'p99 latency at 20 connections', ours.p99, 'ms', { baseline: base.p99, target: '<= 10 ms' }),
      figure(id, 'ingest handler CPU per 2 KB webhook', cpu.handler, 'us', { baseline: cpu.minimal, target: '<= 150 us' }),
    ];
  },
};
