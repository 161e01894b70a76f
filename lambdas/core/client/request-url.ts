import type { ProviderDefinition } from '../provider';
import { IntegrationError } from '../errors';
import type { ClientRequest } from './types';

/**
 * The base every request of a provider starts from: the (overridden) base URL plus a path version.
 *
 * @example
 * apiBase(football) // 'https://v3.football.api-sports.io'
 */
export function apiBase(def: ProviderDefinition, baseUrl?: string): string {
  let base = (baseUrl ?? def.baseUrl).replace(/\/+$/, '');
  if (def.apiVersion?.in === 'path') base += `/${def.apiVersion.value.replace(/^\/+|\/+$/g, '')}`;
  return base;
}

/**
 * Replaces `{name}` in a base URL with the value `lookup(name)` gives (a secret), URL-encoded.
 *
 * @example
 * await fillPlaceholders('https://{shop}.myshopify.com/admin/api', async () => 'my-store') // https://my-store.myshopify.com/admin/api
 */
export async function fillPlaceholders(base: string, lookup: (name: string) => Promise<string>): Promise<string> {
  const names = [...new Set([...base.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!))];
  let out = base;
  for (const name of names) out = out.replaceAll(`{${name}}`, encodeURIComponent((await lookup(name)).trim()));
  return out;
}

/**
 * The URL of one request. An absolute `path` (a next link) must be on the provider's own origin:
 * credentials are never sent anywhere else.
 *
 * @example
 * requestUrl('https://api.x.com/v3', { path: '/fixtures', query: { page: 2 } }) // https://api.x.com/v3/fixtures?page=2
 */
export function requestUrl(base: string, req: ClientRequest, extraQuery: Record<string, string> = {}): URL {
  let url: URL;
  if (/^https?:\/\//i.test(req.path)) {
    url = new URL(req.path);
    if (url.origin !== new URL(base).origin)
      throw new IntegrationError('permanent', 'refusing a URL on another origin than the provider');
  } else {
    url = new URL(`${base}/${req.path.replace(/^\/+/, '')}`);
  }
  for (const [name, value] of Object.entries(req.query ?? {}))
    if (value !== undefined) url.searchParams.set(name, String(value));
  for (const [name, value] of Object.entries(extraQuery)) url.searchParams.set(name, value);
  return url;
}

/**
 * The endpoint name used in logs and metrics when the caller gives none: method and path, no query,
 * no origin, and id-like segments (numbers, or longer segments with digits) as `{id}`, so a metric
 * dimension never gets one value per entity.
 *
 * @example
 * operationOf({ method: 'get', path: '/v1/items/rec_000001?expand=all' }) // 'GET /v1/items/{id}'
 */
export function operationOf(req: ClientRequest): string {
  const path = /^https?:\/\//i.test(req.path) ? new URL(req.path).pathname : req.path.split('?')[0]!;
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((seg) => (/^\d+$/.test(seg) || (seg.length > 3 && /\d/.test(seg)) ? '{id}' : seg));
  return `${(req.method ?? 'GET').toUpperCase()} /${segments.join('/')}`;
}

/**
 * Where an OAuth provider's token endpoint is: the override, or the definition's, moved to the overridden
 * base URL's origin when it shared the API's (a simulator serves both). Undefined for other auth kinds.
 *
 * @example
 * tokenEndpoint(def, { baseUrl: 'http://127.0.0.1:4010' }) // 'http://127.0.0.1:4010/oauth/token'
 */
export function tokenEndpoint(
  def: Pick<ProviderDefinition, 'auth' | 'baseUrl'>,
  over: { baseUrl?: string; tokenUrl?: string },
): string | undefined {
  if (def.auth.kind !== 'oauth2-client-credentials') return undefined;
  if (over.tokenUrl) return over.tokenUrl;
  const url = new URL(def.auth.tokenUrl, `${def.baseUrl.replace(/\/+$/, '')}/`);
  if (over.baseUrl && url.origin === new URL(def.baseUrl).origin) {
    const moved = new URL(over.baseUrl);
    url.protocol = moved.protocol;
    url.host = moved.host;
  }
  return url.toString();
}
