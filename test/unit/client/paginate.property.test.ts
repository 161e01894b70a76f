import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paginatePages } from '../../../lambdas/core/client/paginate';
import type { ClientRequest, Result, ClientResponse } from '../../../lambdas/core/client/types';
import type { PaginationSpec } from '../../../lambdas/core/provider';

/** A provider that answers page n with the n-th cursor of a script (then nothing), in memory. */
function scripted(cursors: (string | null)[], recordsPerPage: number[]) {
  let n = 0;
  return {
    provider: 'prop',
    emit: () => undefined,
    now: () => 0,
    request: async (_req: ClientRequest): Promise<Result<ClientResponse>> => {
      const i = n++;
      const body = {
        data: Array.from({ length: recordsPerPage[i % recordsPerPage.length]! }, (_, k) => ({ k })),
        next: cursors[i] ?? null,
      };
      return {
        ok: true,
        value: { status: 200, headers: {}, body, attempts: 1, url: `https://prop.example/items?i=${i}` },
      };
    },
    calls: () => n,
  };
}

describe('pagination always terminates', () => {
  it('within max pages on any sequence of cursors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.constantFrom('a', 'b', 'c', 'd', '', 'e'), { nil: null }), { maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 25 }),
        fc.constantFrom('cursor' as const, 'next-url' as const),
        async (cursors, sizes, maxPages, style) => {
          const pager = scripted(cursors, sizes);
          const spec: PaginationSpec =
            style === 'cursor'
              ? { style: 'cursor', cursorParam: 'c', cursorPath: 'next', recordsPath: 'data', maxPages }
              : { style: 'next-url', nextPath: 'next', recordsPath: 'data', maxPages };
          let yielded = 0;
          let stop: string | undefined;
          for await (const r of paginatePages(pager, { path: '/items' }, spec, { traceId: 't' })) {
            yielded += 1;
            if (r.ok) stop = r.page.stop;
          }
          expect(yielded).toBeLessThanOrEqual(maxPages);
          expect(pager.calls()).toBe(yielded);
          expect(stop).toBeDefined();
        },
      ),
      { numRuns: 300 },
    );
  });
});
