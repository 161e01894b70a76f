import { createHmac, randomUUID } from 'node:crypto';
import type { HmacOptions, SignatureScheme } from '../lambdas/core/signatures';
import { standardWebhooksKey } from '../lambdas/core/signatures/verify-standard-webhooks';

export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
}

export interface SignOptions {
  /** Extra headers (lower-case names); ids given here are kept, missing ones are generated. */
  headers?: Record<string, string>;
  /** The signing time for timestamped schemes (default: now). */
  now?: Date;
  /** The exact callback URL (Trello signs it). */
  url?: string;
  /** Header, prefix and encoding for the plain `hmac-sha256` scheme. */
  hmac?: HmacOptions;
}

const mac = (algorithm: 'sha256' | 'sha1', key: string | Buffer, content: string) =>
  createHmac(algorithm, key).update(content, 'utf8');

interface Signing {
  body: string;
  secret: string;
  seconds: string;
  headers: Record<string, string>;
  opts: SignOptions;
}

/** Each scheme's signer: adds its signature (and any id or timestamp header it needs) to `headers`. */
const SIGNERS: Record<SignatureScheme, (s: Signing) => void> = {
  github: ({ body, secret, headers }) => {
    headers['x-hub-signature-256'] = `sha256=${mac('sha256', secret, body).digest('hex')}`;
    headers['x-github-delivery'] ??= randomUUID();
  },
  stripe: ({ body, secret, seconds, headers }) => {
    headers['stripe-signature'] = `t=${seconds},v1=${mac('sha256', secret, `${seconds}.${body}`).digest('hex')}`;
  },
  slack: ({ body, secret, seconds, headers }) => {
    headers['x-slack-request-timestamp'] = seconds;
    headers['x-slack-signature'] = `v0=${mac('sha256', secret, `v0:${seconds}:${body}`).digest('hex')}`;
  },
  'standard-webhooks': ({ body, secret, seconds, headers }) => {
    headers['webhook-id'] ??= `msg_${randomUUID().replaceAll('-', '')}`;
    const content = `${headers['webhook-id']}.${seconds}.${body}`;
    headers['webhook-timestamp'] = seconds;
    headers['webhook-signature'] = `v1,${mac('sha256', standardWebhooksKey(secret), content).digest('base64')}`;
  },
  shopify: ({ body, secret, headers, opts }) => {
    headers['x-shopify-hmac-sha256'] = mac('sha256', secret, body).digest('base64');
    headers['x-shopify-webhook-id'] ??= randomUUID();
    headers['x-shopify-triggered-at'] ??= (opts.now ?? new Date()).toISOString();
  },
  trello: ({ body, secret, headers, opts }) => {
    if (!opts.url) throw new Error('trello signs the callback URL: pass opts.url');
    headers['x-trello-webhook'] = mac('sha1', secret, body + opts.url).digest('base64');
  },
  'hmac-sha256': ({ body, secret, headers, opts }) => {
    if (!opts.hmac) throw new Error('hmac-sha256 needs opts.hmac (header, prefix, encoding)');
    const digest = mac('sha256', secret, body).digest(opts.hmac.encoding ?? 'hex');
    headers[opts.hmac.header.toLowerCase()] = `${opts.hmac.prefix ?? ''}${digest}`;
  },
};

/** Schemes that sign a timestamp: a stale one is refused, and so is a replay once the tolerance has passed. */
export const TIMESTAMPED_SCHEMES: ReadonlySet<SignatureScheme> = new Set(['stripe', 'slack', 'standard-webhooks']);

/** The header that carries a scheme's signature (scanned for in logs, where it must never be). */
export function signatureHeader(scheme: SignatureScheme, hmac?: HmacOptions): string {
  const headers: Record<Exclude<SignatureScheme, 'hmac-sha256'>, string> = {
    github: 'x-hub-signature-256',
    stripe: 'stripe-signature',
    slack: 'x-slack-signature',
    'standard-webhooks': 'webhook-signature',
    shopify: 'x-shopify-hmac-sha256',
    trello: 'x-trello-webhook',
  };
  return scheme === 'hmac-sha256' ? (hmac?.header.toLowerCase() ?? '') : headers[scheme];
}

/**
 * Signs a body the way each provider does, for simulators, tests, the chaos run and `ops send`.
 * Providers sign; the stack only verifies, so this lives with the local tools, not in lambdas/.
 *
 * @example
 * const { headers, body } = signAs('stripe', JSON.stringify(event), 'whsec_...', { now: new Date() });
 * await fetch(`${stack.url}/webhooks/stripe`, { method: 'POST', headers, body });
 */
export function signAs(scheme: SignatureScheme, body: string, secret: string, opts: SignOptions = {}): SignedDelivery {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  const seconds = String(Math.floor((opts.now ?? new Date()).getTime() / 1000));
  const signer = SIGNERS[scheme];
  if (!signer) throw new Error(`no local signer for ${String(scheme)}`);
  signer({ body, secret, seconds, headers, opts });
  return { headers, body };
}

/**
 * POSTs a signed delivery to a stack's webhook route for `provider`, as the provider would; the answer's status
 * (its body read and dropped, so the connection is free again).
 *
 * @example
 * await postDelivery(stack.url, 'github', signAs('github', body, secret, { headers: { 'x-github-event': 'issues' } }));
 */
export async function postDelivery(stackUrl: string, provider: string, signed: SignedDelivery): Promise<number> {
  const res = await fetch(`${stackUrl}/webhooks/${provider}`, {
    method: 'POST',
    headers: signed.headers,
    body: signed.body,
  });
  await res.arrayBuffer();
  return res.status;
}
