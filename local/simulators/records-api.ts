import * as z from 'zod/mini';
import type { PaginationSpec, ProviderDefinition } from '../../lambdas/core/provider';
import { ProviderSimulator, type SimulatorOptions } from './base';
import { corrupt, seededRecords, type SimRecord } from './dataset';
import { servePage, type PageStyle } from './pages';

export interface RecordsSimulatorOptions extends SimulatorOptions {
  /** Records in the data set (default 10,250). */
  count?: number;
  seed?: number;
  /** Default page size (default 100). */
  pageSize?: number;
}

export const PAGE_STYLES: readonly PageStyle[] = ['page', 'offset', 'cursor', 'link', 'next-url'];

/**
 * A generic records API over a seeded data set, serving every paginator style:
 * `GET /v1/{page|offset|cursor|link|next-url}/items`, `GET /v1/items/:id`, and `POST /v1/items`
 * (replays the first response for a repeated `Idempotency-Key`, as Stripe does).
 * Tests, the benchmark and the local stack use it; provider simulators follow the same pattern.
 *
 * @example
 * const sim = new RecordsSimulator({ count: 500, auth: { kind: 'bearer', token } });
 * const url = await sim.listen();
 * sim.faults.update({ rateLimit: { limit: 20, windowMs: 1000 } });
 */
export class RecordsSimulator extends ProviderSimulator {
  readonly records: SimRecord[];
  private readonly created = new Map<string, { status: number; body: unknown }>();

  constructor(opts: RecordsSimulatorOptions = {}) {
    super(opts);
    this.records = seededRecords(opts.count ?? 10_250, opts.seed ?? 1);
    const served = () => {
      const every = this.faults.settings.invalidEvery;
      return every ? this.records.map((r) => (r.seq % every === 0 ? corrupt(r) : r)) : this.records;
    };
    for (const style of PAGE_STYLES) {
      this.route('GET', `/v1/${style}/items`, (req) => {
        const page = servePage(style, served(), req, {
          pageSize: opts.pageSize ?? 100,
          loopAfter: this.faults.settings.cursorLoopAfter,
        });
        return page ? { body: page.body, headers: page.headers } : { status: 400, body: { error: 'invalid_cursor' } };
      });
    }
    this.route('GET', '/v1/items/:id', (req) => {
      const record = served().find((r) => r.id === req.params.id);
      return record ? { body: record } : { status: 404, body: { error: 'not_found' } };
    });
    this.route('POST', '/v1/items', (req) => {
      const key = req.headers['idempotency-key'];
      const replay = key ? this.created.get(key) : undefined;
      if (replay) return { ...replay, headers: { 'idempotent-replayed': 'true' } };
      const out = {
        status: 201,
        body: { id: `new_${this.created.size + 1}`, ...(JSON.parse(req.body || '{}') as object) },
      };
      if (key) this.created.set(key, out);
      return out;
    });
  }
}

/** The schema a poll of the records API validates each record with. */
export const simRecordSchema = z.object({
  id: z.string(),
  seq: z.number(),
  name: z.string(),
  amount: z.number(),
  status: z.enum(['active', 'archived']),
  updated_at: z.iso.datetime(),
});

/** How each records route pages, as a poll's definition would say it. */
export const SIM_PAGINATION: Record<PageStyle, PaginationSpec> = {
  page: {
    style: 'page',
    pageParam: 'page',
    sizeParam: 'per_page',
    totalPagesPath: 'paging.total_pages',
    recordsPath: 'data',
  },
  offset: {
    style: 'offset',
    offsetParam: 'offset',
    limitParam: 'limit',
    limit: 100,
    totalPath: 'total',
    recordsPath: 'data',
  },
  cursor: {
    style: 'cursor',
    cursorParam: 'cursor',
    cursorPath: 'next_cursor',
    hasMorePath: 'has_more',
    recordsPath: 'data',
  },
  link: { style: 'link' },
  'next-url': { style: 'next-url', nextPath: 'next', recordsPath: 'data' },
};

/**
 * A provider definition for the records simulator, for tests, the benchmark and the local stack
 * (not a real third party, so not in the registry).
 *
 * @example
 * const client = createClient({ definition: simProvider({ rateLimit: { requestsPerSecond: 20 } }), baseUrl: sim.url, secrets, time });
 */
export function simProvider(overrides: Partial<ProviderDefinition> = {}): ProviderDefinition {
  return {
    name: 'records',
    displayName: 'Records simulator',
    baseUrl: 'https://records.invalid',
    auth: { kind: 'bearer', secret: 'token' },
    secrets: ['token'],
    idempotencyKeyHeader: 'Idempotency-Key',
    ...overrides,
  };
}
