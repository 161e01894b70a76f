import { createHmac, randomUUID } from 'node:crypto';
import type { SignatureScheme } from '../lambdas/core/signatures';

export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
}

/**
 * Signs a body the way a provider does, for simulators, tests and `ops send`. Providers sign;
 * the stack only verifies, so this lives with the local tools, not in lambdas/.
 */
export function signAs(scheme: SignatureScheme, body: string, secret: string, opts: { headers?: Record<string, string>; now?: Date } = {}): SignedDelivery {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  switch (scheme) {
    case 'github':
      headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      headers['x-github-delivery'] ??= randomUUID();
      return { headers, body };
    default:
      throw new Error(`no local signer for ${scheme} yet`);
  }
}
