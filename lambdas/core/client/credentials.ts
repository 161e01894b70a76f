import type { SecretStore } from '../ports';
import type { AuthSpec } from '../provider';
import type { OAuthTokens } from './oauth-token';
import type { Redactor } from './redact';

/** What one attempt adds to its request; `token` is the OAuth token it used, for a refresh after a 401. */
export interface Credentials {
  headers: Record<string, string>;
  query: Record<string, string>;
  token?: string;
}

/**
 * Reads the provider's credential (from the SecretStore, which caches) and says where it goes.
 * Every value read is registered with the redactor so no log line can carry it.
 *
 * @example
 * const creds = await credentials(def.name, def.auth, secrets, redactor, tokens, signal);
 */
export async function credentials(
  provider: string,
  auth: AuthSpec,
  secrets: SecretStore,
  redactor: Redactor,
  tokens?: OAuthTokens,
  signal?: AbortSignal,
): Promise<Credentials> {
  switch (auth.kind) {
    case 'none':
      return { headers: {}, query: {} };
    case 'apiKey': {
      const key = await secrets.get(provider, auth.secret);
      redactor.add(key);
      return auth.in === 'header'
        ? { headers: { [auth.name]: key }, query: {} }
        : { headers: {}, query: { [auth.name]: key } };
    }
    case 'apiKeys': {
      // Several keys at once, e.g. Trello's `key` and `token` query parameters.
      const out: Credentials = { headers: {}, query: {} };
      for (const { name, secret } of auth.keys) {
        const value = await secrets.get(provider, secret);
        redactor.add(value);
        (auth.in === 'header' ? out.headers : out.query)[name] = value;
      }
      return out;
    }
    case 'bearer': {
      const token = await secrets.get(provider, auth.secret);
      redactor.add(token);
      return { headers: { authorization: `Bearer ${token}` }, query: {} };
    }
    case 'oauth2-client-credentials': {
      if (!tokens) throw new Error('oauth2 provider without a token cache');
      const token = await tokens.get(signal);
      return { headers: { authorization: `Bearer ${token}` }, query: {}, token };
    }
  }
}
