import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { providers } from '../../lambdas/providers';
import { webhookSenders } from '../chaos/webhook-payloads';
import { startServer } from '../child-server';
import { loadDeliveries } from './deliveries';

export interface LoadOptions {
  /** Webhooks per second, held steady (an open loop: latency at a load, not at saturation). */
  rate: number;
  seconds: number;
  connections?: number;
  /** How long to wait for the queues to drain after the load. */
  drainTimeoutMs?: number;
  onProgress?(line: string): void;
}

interface Status {
  accepted: number;
  processed: number;
  deadLettered: number;
  queued: number;
  dlq: number;
  rssMb: number;
}

export interface LoadResult {
  rate: number;
  seconds: number;
  requests: number;
  acceptedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Non-2xx answers, connection errors and timeouts: must be 0. */
  errors: number;
  /** Webhooks still queued when the load stopped, and the most seen during it. */
  queueDepthAtEnd: number;
  queueDepthMax: number;
  /** How long the processor took to empty the queues after the load. */
  drainMs: number;
  /** Accepted webhooks processed once the queues drained (all of them when the processor kept up). */
  processed: number;
  accepted: number;
  deadLettered: number;
  stackRssMb: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A steady webhook rate against the local stack (in its own process, processor running), with autocannon
 * on loopback, bounded by `seconds`; then the queues are watched until they drain.
 *
 * @example
 * const result = await runLoad({ rate: 200, seconds: 60 });
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const progress = opts.onProgress ?? (() => undefined);
  const script = fileURLToPath(new URL('./stack-server.ts', import.meta.url));
  const stack = await startServer<{ url: string; secrets: Record<string, string> }>(script);
  try {
    const { url, secrets } = stack.info;
    const status = async (): Promise<Status> => (await (await fetch(`${url}/_load/status`)).json()) as Status;
    const deliveries = loadDeliveries(
      webhookSenders(providers),
      secrets,
      url.replace(/^http:/, 'https:'),
      Math.ceil(opts.rate * opts.seconds * 1.05) + 100,
    );
    let next = 0;
    let depthMax = 0;
    const sampler = setInterval(() => {
      void status().then((s) => {
        depthMax = Math.max(depthMax, s.queued);
        progress(`accepted ${s.accepted}, processed ${s.processed}, queued ${s.queued}`);
      });
    }, 1000);
    const result = await autocannon({
      url,
      connections: opts.connections ?? 20,
      duration: opts.seconds,
      overallRate: opts.rate,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const d = deliveries[next++ % deliveries.length]!;
            return { ...req, path: d.path, headers: d.headers, body: d.body };
          },
        },
      ],
    });
    clearInterval(sampler);
    const atEnd = await status();
    const drainStart = Date.now();
    let drained = atEnd;
    while (drained.queued > 0 && Date.now() - drainStart < (opts.drainTimeoutMs ?? 120_000)) {
      await sleep(100);
      drained = await status();
    }
    const ok = result['2xx'];
    return {
      rate: opts.rate,
      seconds: opts.seconds,
      requests: result.requests.total,
      acceptedPerSecond: ok / opts.seconds,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      maxMs: result.latency.max,
      errors: result.non2xx + result.errors + result.timeouts,
      queueDepthAtEnd: atEnd.queued,
      queueDepthMax: Math.max(depthMax, atEnd.queued),
      drainMs: Date.now() - drainStart,
      processed: drained.processed,
      accepted: drained.accepted,
      deadLettered: drained.deadLettered + drained.dlq,
      stackRssMb: drained.rssMb,
    };
  } finally {
    await stack.stop();
  }
}

/**
 * The processor kept up: nothing failed, the queue at the end holds under two seconds of traffic, and every accepted
 * webhook was processed.
 */
export function keptUp(r: LoadResult): boolean {
  return r.errors === 0 && r.queueDepthAtEnd <= 2 * r.rate && r.processed === r.accepted && r.deadLettered === 0;
}
