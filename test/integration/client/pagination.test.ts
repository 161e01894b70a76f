import * as z from 'zod/mini';
import { afterEach, describe, expect, it } from 'vitest';
import type { PageResult } from '../../../lambdas/core/client/types';
import type { PaginationSpec } from '../../../lambdas/core/provider';
import { SIM_PAGINATION, simRecordSchema, type PageStyle } from '../../../local/simulators';
import { clientRig, ctx, type ClientRig } from '../../helpers/client-setup';

let rig: ClientRig;
afterEach(async () => rig?.close());

async function collect<T>(gen: AsyncGenerator<PageResult<T>>): Promise<PageResult<T>[]> {
  const out: PageResult<T>[] = [];
  for await (const r of gen) out.push(r);
  return out;
}
const pages = (style: PageStyle, spec: Partial<PaginationSpec> = {}, query: Record<string, string | number> = {}) =>
  collect(
    rig.client.paginate(
      { path: `/v1/${style}/items`, query },
      { ...SIM_PAGINATION[style], ...spec } as PaginationSpec,
      ctx,
      { schema: { record: simRecordSchema } },
    ),
  );
const ids = (results: PageResult[]) =>
  results.flatMap((r) => (r.ok ? (r.page.records as { id: string }[]).map((x) => x.id) : []));

describe('paginators', () => {
  it.each(['page', 'offset', 'cursor', 'link', 'next-url'] as const)(
    'walks every record once with %s pagination, and stops at the end',
    async (style) => {
      rig = await clientRig({ sim: { count: 1_050 } });
      const results = await pages(style);
      expect(results).toHaveLength(11);
      expect(ids(results)).toEqual(rig.sim.records.map((r) => r.id));
      const last = results.at(-1)!;
      expect(last.ok && last.page.stop).toBe('end');
      expect(last.ok && last.page.next).toBeUndefined();
    },
  );

  it('pulls 10,000+ records', async () => {
    rig = await clientRig({ sim: { count: 10_250, pageSize: 500 } });
    const results = await pages('cursor', {}, { limit: 500 });
    expect(ids(results)).toHaveLength(10_250);
    expect(new Set(ids(results)).size).toBe(10_250);
  });

  it('follows Stripe-style cursors taken from the last record', async () => {
    rig = await clientRig({ sim: { count: 250 } });
    rig.sim.route('GET', '/v1/customers', (req) => {
      const after = req.query.get('starting_after');
      const start = after ? rig.sim.records.findIndex((r) => r.id === after) + 1 : 0;
      const data = rig.sim.records.slice(start, start + 100);
      return { body: { object: 'list', data, has_more: start + 100 < rig.sim.records.length } };
    });
    const results = await collect(
      rig.client.paginate(
        { path: '/v1/customers' },
        {
          style: 'cursor',
          cursorParam: 'starting_after',
          cursorPath: 'id',
          from: 'lastRecord',
          hasMorePath: 'has_more',
          recordsPath: 'data',
        },
        ctx,
      ),
    );
    expect(ids(results)).toHaveLength(250);
    expect(rig.sim.log().map((r) => r.query.starting_after)).toEqual([undefined, 'rec_000100', 'rec_000200']);
  });

  it('stops on an empty page', async () => {
    rig = await clientRig({ sim: { count: 200 } });
    // without a total, page pagination learns the end from an empty page
    const results = await pages('page', { totalPagesPath: undefined });
    expect(results).toHaveLength(3);
    expect(results.at(-1)!.ok && (results.at(-1) as { page: { stop: string } }).page.stop).toBe('empty');
  });

  it('stops when a cursor comes back (a provider loop)', async () => {
    rig = await clientRig({ sim: { count: 1_000 } });
    rig.sim.faults.update({ cursorLoopAfter: 3 });
    const results = await pages('cursor');
    const last = results.at(-1)!;
    expect(last.ok && last.page.stop).toBe('repeat');
    expect(results.length).toBeLessThanOrEqual(5);
  });

  it('stops when a Link header points back to a page seen before', async () => {
    rig = await clientRig({ sim: { count: 1_000 } });
    rig.sim.faults.update({ cursorLoopAfter: 2 });
    const results = await pages('link');
    expect(results.at(-1)!.ok && (results.at(-1) as { page: { stop: string } }).page.stop).toBe('repeat');
    expect(results.length).toBeLessThanOrEqual(4);
  });

  it('stops at max pages and says where to resume', async () => {
    rig = await clientRig({ sim: { count: 1_000 } });
    const results = await pages('cursor', { maxPages: 3 });
    expect(results).toHaveLength(3);
    const last = results.at(-1)!;
    expect(last.ok && last.page.stop).toBe('max_pages');
    const resume = last.ok ? last.page.next : undefined;
    expect(resume?.cursor).toBeDefined();
    const rest = await collect(
      rig.client.paginate({ path: '/v1/cursor/items' }, SIM_PAGINATION.cursor, ctx, { start: resume }),
    );
    expect([...ids(results), ...ids(rest)]).toEqual(rig.sim.records.map((r) => r.id));
  });

  it('logs each page with its position, and a failed page names its position', async () => {
    rig = await clientRig({ sim: { count: 500 } });
    rig.sim.faults.add({ kind: 'status', status: 404 }, { match: { path: '/v1/offset/items' }, times: 1 });
    // the first page fails permanently: the run ends there, naming offset 0
    const failed = await pages('offset');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ ok: false, number: 1, position: { offset: 0 } });
    const ok = await pages('offset');
    const logged = rig.events.filter((e) => e.type === 'page');
    expect(logged.map((e) => e.type === 'page' && e.position.offset)).toEqual([0, 0, 100, 200, 300, 400]);
    expect(ok).toHaveLength(5);
  });

  it('ends with the error, resumable, when the provider rate-limits past the deadline mid-run', async () => {
    rig = await clientRig({ sim: { count: 500 } });
    let page = 0;
    const gen = rig.client.paginate({ path: '/v1/cursor/items' }, SIM_PAGINATION.cursor, {
      traceId: 't',
      remainingMs: () => 60_000,
    });
    const seen: PageResult[] = [];
    for await (const r of gen) {
      seen.push(r);
      page += 1;
      if (page === 2) rig.sim.faults.add({ kind: 'status', status: 429, retryAfter: { seconds: 3600 } });
    }
    const last = seen.at(-1)!;
    expect(last.ok).toBe(false);
    if (last.ok) return;
    expect(last.error.kind).toBe('rate_limited');
    expect(last.error.resumeAt).toBeGreaterThan(rig.time.now());
    expect(last.position.cursor).toBeDefined();
  });
});

describe('validation', () => {
  it('quarantines records that fail the schema, with the reason, and keeps the rest', async () => {
    rig = await clientRig({ sim: { count: 300 } });
    rig.sim.faults.update({ invalidEvery: 50 });
    const results = await pages('cursor');
    const quarantined = results.flatMap((r) => (r.ok ? r.page.quarantined : []));
    expect(quarantined).toHaveLength(6);
    expect(quarantined[0]).toMatchObject({ index: 49, reason: expect.stringContaining('amount invalid_type') });
    expect(ids(results)).toHaveLength(294);
    const events = rig.events.filter((e) => e.type === 'page');
    expect(events.reduce((n, e) => n + (e.type === 'page' ? e.quarantined : 0), 0)).toBe(6);
  });

  it('returns malformed_response when the envelope fails its schema', async () => {
    rig = await clientRig({ sim: { count: 100 } });
    const envelope = z.object({
      data: z.array(z.unknown()),
      next_cursor: z.nullable(z.string()),
      total_count: z.number(),
    });
    const results = await collect(
      rig.client.paginate({ path: '/v1/cursor/items' }, SIM_PAGINATION.cursor, ctx, {
        schema: { record: simRecordSchema, envelope },
      }),
    );
    expect(results).toHaveLength(1);
    expect(!results[0]!.ok && results[0]!.error.kind).toBe('malformed_response');
  });

  it('returns malformed_response when there is no records array', async () => {
    rig = await clientRig({ sim: { count: 100 } });
    const results = await collect(
      rig.client.paginate({ path: '/v1/cursor/items' }, { ...SIM_PAGINATION.cursor, recordsPath: 'items' }, ctx),
    );
    expect(!results[0]!.ok && results[0]!.error.message).toContain('no records array at items');
  });
});
