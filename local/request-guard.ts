import { normalizeHeaders, type HeaderInput } from '../lambdas/core/headers';

/** Why a request was refused: the status and the error the answer carries. */
export interface Refusal {
  status: 403 | 415;
  error: 'cross_site' | 'foreign_host' | 'unsupported_media_type';
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const SAME_SITE = new Set(['same-origin', 'none']);
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// application/json or a +json type, with parameters: what no "simple" cross-site request may send without a preflight.
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** `host[:port]` -> host, for names and IPv6 literals alike. */
const hostname = (host: string): string => host.replace(/:\d+$/, '').toLowerCase();

function sameLocalOrigin(origin: string, host: string | undefined): boolean {
  try {
    const url = new URL(origin);
    return LOOPBACK_HOSTS.has(url.hostname) && url.host === host?.toLowerCase();
  } catch {
    // `null` (a sandboxed frame, a file:// page) or garbage: not us.
    return false;
  }
}

/**
 * The local stack's guard for what AWS protects with IAM (commands, records) and for its admin API: nothing
 * authenticates them locally, so a page open in the developer's browser must not reach them. Refuses a browser's
 * cross-site request (`Sec-Fetch-Site` other than same-origin or none; an `Origin` other than the stack's own), a
 * Host that is not a loopback name (DNS rebinding), and a request with a body that is not `application/json` (the
 * "simple" `text/plain` POST a page may send without asking). CLIs and tests send none of these headers.
 *
 * @example
 * const refusal = localRequestRefusal({ method: 'POST', headers: { origin: 'https://evil.example' } });
 * // { status: 403, error: 'cross_site' }
 */
export function localRequestRefusal(req: { method: string; headers: HeaderInput }): Refusal | undefined {
  const headers = normalizeHeaders(req.headers);
  const site = headers['sec-fetch-site'];
  if (site !== undefined && !SAME_SITE.has(site.trim().toLowerCase())) return { status: 403, error: 'cross_site' };
  if (headers.origin !== undefined && !sameLocalOrigin(headers.origin, headers.host))
    return { status: 403, error: 'cross_site' };
  if (headers.host !== undefined && !LOOPBACK_HOSTS.has(hostname(headers.host)))
    return { status: 403, error: 'foreign_host' };
  if (WITH_BODY.has(req.method.toUpperCase()) && !JSON_TYPE.test(headers['content-type'] ?? ''))
    return { status: 415, error: 'unsupported_media_type' };
  return undefined;
}
