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
  const now = opts.now ?? new Date();
  const seconds = String(Math.floor(now.getTime() / 1000));
  switch (scheme) {
    case 'github':
      headers['x-hub-signature-256'] = `sha256=${mac('sha256', secret, body).digest('hex')}`;
      headers['x-github-delivery'] ??= randomUUID();
      break;
    case 'stripe':
      headers['stripe-signature'] = `t=${seconds},v1=${mac('sha256', secret, `${seconds}.${body}`).digest('hex')}`;
      break;
    case 'slack':
      headers['x-slack-request-timestamp'] = seconds;
      headers['x-slack-signature'] = `v0=${mac('sha256', secret, `v0:${seconds}:${body}`).digest('hex')}`;
      break;
    case 'standard-webhooks': {
      headers['webhook-id'] ??= `msg_${randomUUID().replaceAll('-', '')}`;
      const id = headers['webhook-id'];
      headers['webhook-timestamp'] = seconds;
      headers['webhook-signature'] =
        `v1,${mac('sha256', standardWebhooksKey(secret), `${id}.${seconds}.${body}`).digest('base64')}`;
      break;
    }
    case 'shopify':
      headers['x-shopify-hmac-sha256'] = mac('sha256', secret, body).digest('base64');
      headers['x-shopify-webhook-id'] ??= randomUUID();
      headers['x-shopify-triggered-at'] ??= now.toISOString();
      break;
    case 'trello':
      if (!opts.url) throw new Error('trello signs the callback URL: pass opts.url');
      headers['x-trello-webhook'] = mac('sha1', secret, body + opts.url).digest('base64');
      break;
    case 'hmac-sha256': {
      if (!opts.hmac) throw new Error('hmac-sha256 needs opts.hmac (header, prefix, encoding)');
      const digest = mac('sha256', secret, body).digest(opts.hmac.encoding ?? 'hex');
      headers[opts.hmac.header.toLowerCase()] = `${opts.hmac.prefix ?? ''}${digest}`;
      break;
    }
    default:
      throw new Error(`no local signer for ${String(scheme)}`);
  }
  return { headers, body };
}
