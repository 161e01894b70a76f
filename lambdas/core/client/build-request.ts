import type { AuthSpec, ProviderDefinition } from '../provider';
import type { Credentials } from './credentials';
import { requestUrl } from './request-url';
import type { ClientRequest } from './types';

export const CORRELATION_HEADER = 'x-correlation-id';

/** What one attempt sends. */
export interface OutgoingRequest {
  url: URL;
  init: { method: string; headers: Record<string, string>; body?: string };
}

/**
 * The HTTP request of one attempt: the URL (query credentials included), JSON accept, the correlation id,
 * the pinned version header, the body and its type, the idempotency key, the caller's headers, then the
 * credential headers. Throws IntegrationError('permanent') for a URL on another origin.
 *
 * @example
 * const { url, init } = buildRequest(stripe, 'https://api.stripe.com', { method: 'POST', path: '/v1/customers', form, idempotencyKey }, 'POST', traceId, creds);
 * await fetch(url, { ...init, signal, redirect: 'manual' });
 */
export function buildRequest(
  def: Pick<ProviderDefinition, 'apiVersion' | 'idempotencyKeyHeader'>,
  baseUrl: string,
  req: ClientRequest,
  method: string,
  traceId: string,
  creds: Credentials,
): OutgoingRequest {
  const url = requestUrl(baseUrl, req, creds.query);
  const headers: Record<string, string> = { accept: 'application/json', [CORRELATION_HEADER]: traceId };
  if (def.apiVersion?.in === 'header') headers[def.apiVersion.header] = def.apiVersion.value;
  let body: string | undefined;
  if (req.json !== undefined) {
    body = JSON.stringify(req.json);
    headers['content-type'] = 'application/json';
  } else if (req.form) {
    body = new URLSearchParams(req.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (req.idempotencyKey && def.idempotencyKeyHeader) headers[def.idempotencyKeyHeader] = req.idempotencyKey;
  Object.assign(headers, req.headers, creds.headers);
  return { url, init: { method, headers, body } };
}

/**
 * Removes the provider's query-string credentials from a URL, so response URLs, next links and checkpoints
 * never carry them (one key, or Trello's `key` and `token`).
 *
 * @example
 * credentialScrubber(trello.auth)('https://api.trello.com/1/boards?key=k&token=t&page=2') // '...boards?page=2'
 */
export function credentialScrubber(auth: AuthSpec): (href: string) => string {
  const names =
    auth.kind === 'apiKey' && auth.in === 'query'
      ? [auth.name]
      : auth.kind === 'apiKeys' && auth.in === 'query'
        ? auth.keys.map((k) => k.name)
        : [];
  if (names.length === 0) return (href) => href;
  return (href) => {
    const u = new URL(href);
    for (const name of names) u.searchParams.delete(name);
    return u.toString();
  };
}
