import { IntegrationError } from '../errors';
import type { SecretStore } from '../ports';
import type { AuthSpec } from '../provider';
import type { Redactor } from './redact';
import type { Time } from './time';
import type { ClientListener } from './types';
import { untilAborted } from './until-aborted';

type OAuthSpec = Extract<AuthSpec, { kind: 'oauth2-client-credentials' }>;

export interface OAuthTokensOptions {
  provider: string;
  spec: OAuthSpec;
  tokenUrl: string;
  secrets: SecretStore;
  fetch: typeof fetch;
  time: Time;
  redactor: Redactor;
  /** Bounds a token request made without a signal. */
  attemptMs: number;
  emit: ClientListener;
}

/** Tokens without `expires_in` are kept this long; a 401 refreshes them sooner. */
const DEFAULT_LIFETIME_MS = 3600_000;

/**
 * OAuth 2.0 client credentials (RFC 6749 4.4): one cached access token per provider, refreshed
 * shortly before it expires (a minute, or a tenth of a short lifetime) or when a call gets a 401.
 * Concurrent callers share one token request. A caller's `signal` (its attempt's budget) bounds its wait,
 * and the request it starts: a refresh never outlives the call that needed it.
 *
 * @example
 * const tokens = new OAuthTokens({ provider, spec, tokenUrl, secrets, fetch, time, redactor, attemptMs: 8000, emit });
 * const token = await tokens.get(signal); // throws IntegrationError('auth' | 'retryable' | 'timeout' | 'malformed_response')
 * tokens.invalidate(token);              // after a 401: the next get() fetches a new one
 */
export class OAuthTokens {
  private cached?: { token: string; refreshAt: number };
  private inflight?: Promise<string>;

  constructor(private readonly o: OAuthTokensOptions) {}

  async get(signal?: AbortSignal): Promise<string> {
    if (this.cached && this.o.time.now() < this.cached.refreshAt) return this.cached.token;
    // The caller that starts the request lends it its signal; a caller that joins bounds only its own wait.
    this.inflight ??= this.request(signal ?? this.o.time.timeout(this.o.attemptMs)).finally(() => {
      this.inflight = undefined;
    });
    if (!signal) return this.inflight;
    try {
      return await untilAborted(this.inflight, signal);
    } catch (err) {
      if (err instanceof IntegrationError) throw err;
      throw new IntegrationError('timeout', 'token request timed out');
    }
  }

  /** Forgets `token` if it is still the current one, so many 401s for it cause one refresh. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async request(signal: AbortSignal): Promise<string> {
    const { provider, time, redactor, emit } = this.o;
    const { headers, body } = await tokenRequest(this.o, signal);
    const started = time.now();
    const done = (ok: boolean, status?: number, errorCode?: string) =>
      emit({ type: 'token', at: time.now(), provider, ok, status, durationMs: time.now() - started, errorCode });
    let res: Response;
    let text: string;
    try {
      res = await this.o.fetch(this.o.tokenUrl, { method: 'POST', headers, body, signal, redirect: 'manual' });
      text = await res.text();
    } catch (err) {
      const timedOut = (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError';
      const kind = timedOut ? 'timeout' : 'retryable';
      done(false, undefined, kind);
      throw new IntegrationError(
        kind,
        `token request failed: ${redactor.text(String((err as Error)?.message ?? err))}`,
      );
    }
    const read = readToken(res.status, text, redactor);
    if (read instanceof IntegrationError) {
      done(false, res.status, read.kind);
      throw read;
    }
    redactor.add(read.token);
    const lifetime = read.lifetimeMs;
    this.cached = { token: read.token, refreshAt: time.now() + lifetime - Math.min(60_000, lifetime / 10) };
    done(true, res.status);
    return read.token;
  }
}

/**
 * The token request: the client's id and secret in the form, or as HTTP Basic; each value registered with the redactor.
 */
async function tokenRequest(o: OAuthTokensOptions, signal: AbortSignal) {
  const { spec, secrets, provider, redactor } = o;
  const [clientId, clientSecret] = await untilAborted(
    Promise.all([secrets.get(provider, spec.clientIdSecret), secrets.get(provider, spec.clientSecretSecret)]),
    signal,
  ).catch((err: unknown) => {
    throw signal.aborted ? new IntegrationError('timeout', 'timed out reading the client credentials') : err;
  });
  redactor.add(clientId);
  redactor.add(clientSecret);
  const form = new URLSearchParams({ grant_type: 'client_credentials', ...spec.params });
  if (spec.scopes?.length) form.set('scope', spec.scopes.join(' '));
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (spec.clientAuth === 'body') {
    form.set('client_id', clientId);
    form.set('client_secret', clientSecret);
  } else {
    // RFC 6749 2.3.1: id and secret are form-urlencoded before Basic encoding.
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    redactor.add(basic);
    headers.authorization = `Basic ${basic}`;
  }
  return { headers, body: form.toString() };
}

/** The token endpoint's answer: the token and how long it lives, or the error it stands for. */
function readToken(
  status: number,
  text: string,
  redactor: Redactor,
): { token: string; lifetimeMs: number } | IntegrationError {
  if (status >= 500 || status === 429 || status === 408)
    return new IntegrationError('retryable', `token endpoint answered ${status}`, { status });
  if (status !== 200) {
    // invalid_client, invalid_scope, unauthorized_client: no retry fixes these (RFC 6749 5.2).
    let code = '';
    try {
      code = String((JSON.parse(text) as { error?: unknown }).error ?? '');
    } catch {
      // not JSON: the status says enough
    }
    const detail = code ? ` ${redactor.text(code.slice(0, 40))}` : '';
    return new IntegrationError('auth', `token endpoint refused the client credentials (${status}${detail})`, {
      status,
    });
  }
  let body: { access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return new IntegrationError('malformed_response', 'token response is not JSON', { status });
  }
  if (typeof body.access_token !== 'string' || body.access_token.length === 0)
    return new IntegrationError('malformed_response', 'token response has no access_token', { status });
  const seconds = Number(body.expires_in);
  return {
    token: body.access_token,
    lifetimeMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_LIFETIME_MS,
  };
}
