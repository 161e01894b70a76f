import pRetry from 'p-retry';
import { createClient, realTime } from '../../lambdas/core/client';
import { RecordsSimulator, SIM_PAGINATION, simProvider } from '../../local/simulators';
import { figure, type Figure, type RunOptions, type Scenario } from '../figure';

const PAGES = 420;
const PAGE_SIZE = 25;
const RATE = 20; // requests per second the simulated provider allows
const TOKEN = 'bench-token-0f9e8d7c';

interface Run {
  seconds: number;
  pages: number;
  requests: number;
  throttled: number;
}

async function measure(sim: RecordsSimulator, pull: () => Promise<number>): Promise<Run> {
  sim.requests.length = 0;
  sim.faults.set({ rateLimit: { limit: RATE, windowMs: 1000, retryAfter: 'seconds', headers: 'x-ratelimit' } });
  const started = performance.now();
  const pages = await pull();
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    pages,
    requests: sim.requests.length,
    throttled: sim.requests.filter((r) => r.status === 429).length,
  };
}

/** Our client: token bucket at the documented rate, following X-RateLimit-* and Retry-After. */
async function ours(sim: RecordsSimulator): Promise<number> {
  const client = createClient({
    definition: simProvider({ rateLimit: { requestsPerSecond: RATE, burst: RATE } }),
    secrets: { get: async () => TOKEN },
    time: realTime,
    baseUrl: sim.url,
  });
  let pages = 0;
  for await (const r of client.paginate(
    { path: '/v1/cursor/items', query: { limit: PAGE_SIZE } },
    { ...SIM_PAGINATION.cursor, maxPages: 10_000 },
    { traceId: 'bench' },
  )) {
    if (!r.ok) throw r.error;
    pages += 1;
  }
  return pages;
}

/**
 * The naive baseline: fetch in p-retry with its default schedule (1 s, 2 s, ...), deaf to Retry-After and rate headers.
 */
async function naive(sim: RecordsSimulator): Promise<number> {
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url = new URL('/v1/cursor/items', sim.url);
    url.searchParams.set('limit', String(PAGE_SIZE));
    if (cursor) url.searchParams.set('cursor', cursor);
    const body = await pRetry(
      async () => {
        const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
        if (!res.ok) throw new Error(`status ${res.status}`);
        return (await res.json()) as { next_cursor: string | null };
      },
      { retries: 10 },
    );
    cursor = body.next_cursor;
    pages += 1;
  } while (cursor);
  return pages;
}

export const rateLimitedSync: Scenario = {
  id: 'rate-limited-sync',
  description: `pull ${PAGES} pages from a simulator that allows ${RATE} requests/s (429 with Retry-After beyond it)`,
  async run(opts: RunOptions = {}): Promise<Figure[]> {
    const pages = opts.quick ? 60 : PAGES;
    const sim = new RecordsSimulator({
      count: pages * PAGE_SIZE,
      pageSize: PAGE_SIZE,
      auth: { kind: 'bearer', token: TOKEN },
    });
    await sim.listen();
    try {
      const a = await measure(sim, () => ours(sim));
      const b = await measure(sim, () => naive(sim));
      if (a.pages !== pages || b.pages !== pages)
        throw new Error(`expected ${pages} pages, got ${a.pages} and ${b.pages}`);
      const floor = pages / RATE;
      const share = (r: Run) => (100 * r.throttled) / r.requests;
      const id = 'rate-limited-sync' as const;
      return [
        figure(id, `floor: ${pages} pages / ${RATE} req/s`, floor, 's'),
        figure(id, 'ours: wall time (baseline = floor)', a.seconds, 's', { baseline: floor, target: '<= 1.10 ratio' }),
        figure(id, 'ours: 429s received', a.throttled, 'responses', { target: '' }),
        figure(id, 'ours: 429s share of requests', share(a), '%', { target: '<= 1 %' }),
        figure(id, 'naive p-retry: wall time (baseline = floor)', b.seconds, 's', { baseline: floor }),
        figure(id, 'naive p-retry: 429s received', b.throttled, 'responses'),
        figure(id, 'naive p-retry: 429s share of requests', share(b), '%'),
        figure(id, 'ours vs naive: wall time (baseline = naive)', a.seconds, 's', { baseline: b.seconds }),
      ];
    } finally {
      await sim.close();
    }
  },
};
