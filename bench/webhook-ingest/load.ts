import autocannon from 'autocannon';
import type { Delivery } from './deliveries';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/**
 * Drives `url` with autocannon at `connections`, cycling through the prepared deliveries:
 * `warmupSeconds` unmeasured (JIT, connection setup), then `seconds` measured.
 */
export async function load(
  url: string,
  deliveries: Delivery[],
  opts: { connections: number; seconds: number; warmupSeconds?: number; rate?: number },
): Promise<LoadResult> {
  let next = 0;
  const requests = [
    {
      method: 'POST' as const,
      path: '/webhooks/github',
      setupRequest: (req: autocannon.Request) => {
        const d = deliveries[next++ % deliveries.length]!;
        return { ...req, headers: d.headers, body: d.body };
      },
    },
  ];
  const result = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    requests,
    // An open loop at a fixed rate, when given: latency at a load, not at saturation.
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    // autocannon 8 supports warmup; its published types lag behind.
    ...(opts.warmupSeconds
      ? ({ warmup: { connections: opts.connections, duration: opts.warmupSeconds } } as object)
      : {}),
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export { startServer } from '../../local/child-server';
