import { digestEquals, fromHex, hmac } from './compare';
import type { Verifier } from './types';

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
export const verifyGithub: Verifier = (req, secrets) => {
  const header = req.headers['x-hub-signature-256'];
  if (!header) return { ok: false, reason: 'missing_header' };
  const match = /^sha256=([0-9a-f]{64})$/.exec(header);
  const candidate = match?.[1] ? fromHex(match[1]) : undefined;
  if (!candidate) return { ok: false, reason: 'malformed_header' };
  for (const secret of secrets) {
    if (digestEquals(hmac('sha256', secret, req.rawBody), candidate)) return { ok: true };
  }
  return { ok: false, reason: 'signature_mismatch' };
};
