import type { PaginationSpec } from '../provider';
import { at } from './json-path';
import { nextLink } from './link-header';
import { operationOf } from './request-url';
import type { PageSchema } from './validate-page';
import { pageRecords } from './validate-page';
import type {
  CallContext,
  ClientEvent,
  ClientRequest,
  ClientResponse,
  PagePosition,
  PageResult,
  Result,
  StopReason,
} from './types';

export const DEFAULT_MAX_PAGES = 1000;

export interface PaginateOptions<T> {
  /** The poll's zod schemas: invalid records are quarantined, an invalid envelope is `malformed_response`. */
  schema?: PageSchema<T>;
  /** Resume where a checkpoint left off. */
  start?: PagePosition;
}

interface Pager {
  provider: string;
  request(req: ClientRequest, ctx: CallContext): Promise<Result<ClientResponse>>;
  emit(event: ClientEvent): void;
  now(): number;
  /** Removes credential query parameters from a URL (next links may echo them). */
  scrub?(url: string): string;
}

function firstPosition(spec: PaginationSpec, start?: PagePosition): PagePosition {
  if (start) return { ...start };
  if (spec.style === 'page') return { page: spec.firstPage ?? 1 };
  if (spec.style === 'offset') return { offset: 0 };
  return {};
}

/** The request for the page at `position`: the caller's request plus the paginator's parameters. */
function pageRequest(
  req: ClientRequest,
  spec: PaginationSpec,
  position: PagePosition,
  operation: string,
): ClientRequest {
  if (position.url) return { ...req, path: position.url, query: undefined, operation };
  const query = { ...req.query };
  const size = 'sizeParam' in spec && spec.sizeParam && spec.pageSize ? { [spec.sizeParam]: spec.pageSize } : {};
  switch (spec.style) {
    case 'page': {
      const first = position.page === undefined || position.page === (spec.firstPage ?? 1);
      Object.assign(query, spec.omitFirstPage && first ? {} : { [spec.pageParam ?? 'page']: position.page }, size);
      break;
    }
    case 'offset':
      Object.assign(query, {
        [spec.offsetParam ?? 'offset']: position.offset,
        [spec.limitParam ?? 'limit']: spec.limit,
      });
      break;
    case 'cursor':
      Object.assign(query, position.cursor !== undefined ? { [spec.cursorParam]: position.cursor } : {}, size);
      break;
    default:
      Object.assign(query, size);
  }
  return { ...req, query, operation };
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined;

/** Where the next page starts, or undefined when the provider says this was the last. */
function nextPosition(
  spec: PaginationSpec,
  position: PagePosition,
  res: ClientResponse,
  raw: unknown[],
): PagePosition | undefined {
  switch (spec.style) {
    case 'page': {
      const page = position.page ?? spec.firstPage ?? 1;
      const total = Number(at(res.body, spec.totalPagesPath));
      if (spec.totalPagesPath && Number.isFinite(total)) return page < total ? { page: page + 1 } : undefined;
      if (spec.pageSize && raw.length < spec.pageSize) return undefined;
      return { page: page + 1 };
    }
    case 'offset': {
      const offset = (position.offset ?? 0) + raw.length;
      const total = Number(at(res.body, spec.totalPath));
      if (spec.totalPath && Number.isFinite(total) && offset >= total) return undefined;
      if (raw.length < spec.limit) return undefined;
      return { offset };
    }
    case 'cursor': {
      if (spec.hasMorePath && at(res.body, spec.hasMorePath) === false) return undefined;
      const cursor = text(at(spec.from === 'lastRecord' ? raw[raw.length - 1] : res.body, spec.cursorPath));
      return cursor === undefined ? undefined : { cursor };
    }
    case 'link': {
      const url = nextLink(res.headers.link, res.url);
      return url ? { url } : undefined;
    }
    case 'next-url': {
      const next = text(at(res.body, spec.nextPath));
      return next ? { url: new URL(next, res.url).toString() } : undefined;
    }
  }
}

const keyOf = (p: PagePosition): string => JSON.stringify([p.page, p.offset, p.cursor, p.url]);

// Logs name the page; an absolute next URL may carry credentials, so only its path and query keys are kept.
function loggable(p: PagePosition): PagePosition {
  if (!p.url) return p;
  const u = new URL(p.url);
  return {
    ...p,
    url: `${u.pathname}${[...u.searchParams.keys()].length ? `?${[...u.searchParams.keys()].join('&')}` : ''}`,
  };
}

/**
 * Walks a list endpoint page by page. Stops on: no next page, an empty page, a cursor or link seen
 * before (a loop), or `maxPages`. Each page is validated, reported as a `page` event, and yielded
 * with its position and the next one, so a failure names its page and a run can resume from it.
 * A failed page is yielded as `{ ok: false }` and ends the run.
 *
 * @example
 * for await (const result of client.paginate({ path: '/v1/items' }, { style: 'cursor', cursorParam: 'cursor', cursorPath: 'next_cursor', recordsPath: 'data' }, ctx, { schema })) {
 *   if (!result.ok) { saveGap(result.position, result.error); break; }
 *   await store(result.page.records, result.page.quarantined);
 *   checkpoint(result.page.next);
 * }
 */
export async function* paginatePages<T>(
  pager: Pager,
  req: ClientRequest,
  spec: PaginationSpec,
  ctx: CallContext,
  opts: PaginateOptions<T> = {},
): AsyncGenerator<PageResult<T>> {
  const maxPages = Math.max(1, spec.maxPages ?? DEFAULT_MAX_PAGES);
  const operation = req.operation ?? operationOf(req);
  let position = firstPosition(spec, opts.start);
  const seen = new Set<string>([keyOf(position)]);
  const report = (
    page: number,
    pos: PagePosition,
    records: number,
    quarantined: number,
    extra: { stop?: StopReason; errorCode?: string; errorMessage?: string } = {},
  ) =>
    pager.emit({
      type: 'page',
      at: pager.now(),
      provider: pager.provider,
      operation,
      traceId: ctx.traceId,
      page,
      position: loggable(pos),
      records,
      quarantined,
      ...extra,
    });

  for (let number = 1; ; number += 1) {
    const res = await pager.request(pageRequest(req, spec, position, operation), ctx);
    if (!res.ok) {
      report(number, position, 0, 0, { errorCode: res.error.kind, errorMessage: res.error.message });
      yield { ok: false, error: res.error, number, position };
      return;
    }
    const parsed = pageRecords(res.value.body, spec.recordsPath, opts.schema);
    if (!parsed.ok) {
      report(number, position, 0, 0, { errorCode: parsed.error.kind, errorMessage: parsed.error.message });
      yield { ok: false, error: parsed.error, number, position };
      return;
    }
    let next = parsed.raw.length === 0 ? undefined : nextPosition(spec, position, res.value, parsed.raw);
    if (next?.url && pager.scrub) next = { ...next, url: pager.scrub(next.url) };
    let stop: StopReason | undefined;
    if (parsed.raw.length === 0) stop = 'empty';
    else if (!next) stop = 'end';
    else if (seen.has(keyOf(next))) stop = 'repeat';
    else if (number >= maxPages) stop = 'max_pages';
    report(number, position, parsed.records.length, parsed.quarantined.length, { stop });
    yield {
      ok: true,
      page: {
        number,
        position,
        records: parsed.records,
        quarantined: parsed.quarantined,
        drift: parsed.drift,
        response: res.value,
        next: stop && stop !== 'max_pages' ? undefined : next,
        stop,
      },
    };
    if (stop) return;
    seen.add(keyOf(next!));
    position = next!;
  }
}
