/** The paginator styles a simulator can serve, one per style the client follows. */
export type PageStyle = 'page' | 'offset' | 'cursor' | 'link' | 'next-url';

export interface PageRequest {
  query: URLSearchParams;
  /** The absolute URL of the request, for next links. */
  url: URL;
}

export interface ServedPage<T> {
  items: T[];
  body: unknown;
  headers: Record<string, string>;
}

export interface PageOptions {
  /** Default and maximum page size (default 100 / 1000). */
  pageSize?: number;
  maxPageSize?: number;
  /** After this many pages, cursors and links point back to the first page (a provider bug). */
  loopAfter?: number;
}

const encode = (index: number): string => Buffer.from(`i:${index}`).toString('base64url');
const decode = (cursor: string | null): number => {
  if (!cursor) return 0;
  const m = /^i:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : -1;
};

const int = (v: string | null, fallback: number): number => {
  const n = Number(v);
  return v !== null && Number.isInteger(n) ? n : fallback;
};

function withQuery(url: URL, params: Record<string, string | number>): string {
  const next = new URL(url);
  for (const [k, v] of Object.entries(params)) next.searchParams.set(k, String(v));
  return next.toString();
}

/**
 * Serves one page of `all` in the given style, with the shapes real APIs use:
 * `page` → `{ data, paging: { page, per_page, total_pages, total } }` (`page`, `per_page`);
 * `offset` → `{ data, offset, limit, total }`; `cursor` → `{ data, next_cursor, has_more }` (`cursor`, `limit`);
 * `link` → a bare array with an RFC 8288 `Link` header (`page`, `per_page`, as GitHub);
 * `next-url` → `{ data, next }` with an absolute URL or null (`after`, `limit`).
 * Returns undefined for a cursor it never issued (the route answers 400).
 *
 * @example
 * const { body, headers } = servePage('cursor', records, { query: url.searchParams, url }, { pageSize: 50 })!;
 */
export function servePage<T>(
  style: PageStyle,
  all: readonly T[],
  req: PageRequest,
  opts: PageOptions = {},
): ServedPage<T> | undefined {
  const q = req.query;
  const max = opts.maxPageSize ?? 1000;
  const size = (name: string) => Math.min(max, Math.max(1, int(q.get(name), opts.pageSize ?? 100)));
  const looping = (pageNumber: number) => opts.loopAfter !== undefined && pageNumber >= opts.loopAfter;
  switch (style) {
    case 'page':
    case 'link': {
      const perPage = size('per_page');
      const page = Math.max(1, int(q.get('page'), 1));
      const totalPages = Math.max(1, Math.ceil(all.length / perPage));
      const items = all.slice((page - 1) * perPage, page * perPage);
      if (style === 'page')
        return {
          items,
          body: { data: items, paging: { page, per_page: perPage, total_pages: totalPages, total: all.length } },
          headers: {},
        };
      const links: string[] = [];
      const nextPage = looping(page) ? 1 : page < totalPages ? page + 1 : undefined;
      if (nextPage !== undefined)
        links.push(`<${withQuery(req.url, { page: nextPage, per_page: perPage })}>; rel="next"`);
      links.push(`<${withQuery(req.url, { page: totalPages, per_page: perPage })}>; rel="last"`);
      return { items, body: items, headers: { link: links.join(', ') } };
    }
    case 'offset': {
      const limit = size('limit');
      const offset = Math.max(0, int(q.get('offset'), 0));
      const items = all.slice(offset, offset + limit);
      return { items, body: { data: items, offset, limit, total: all.length }, headers: {} };
    }
    case 'cursor':
    case 'next-url': {
      const limit = size('limit');
      const start = style === 'cursor' ? decode(q.get('cursor')) : Math.max(0, int(q.get('after'), 0));
      if (start < 0) return undefined;
      const items = all.slice(start, start + limit);
      const end = start + items.length;
      const more = end < all.length;
      const nextIndex = looping(Math.floor(start / limit) + 1) ? 0 : more ? end : undefined;
      if (style === 'cursor')
        return {
          items,
          body: {
            data: items,
            next_cursor: nextIndex === undefined ? null : encode(nextIndex),
            has_more: nextIndex !== undefined,
          },
          headers: {},
        };
      return {
        items,
        body: { data: items, next: nextIndex === undefined ? null : withQuery(req.url, { after: nextIndex, limit }) },
        headers: {},
      };
    }
  }
}
