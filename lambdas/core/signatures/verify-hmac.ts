import { digestEquals, fromBase64, fromHex, hmac } from './compare';
import { ACCEPT, reject, type Verifier } from './types';

/**
 * Plain HMAC-SHA256 of the raw body in a configurable header, for providers without a named scheme:
 * `{ header: 'x-signature', prefix: 'sha256=', encoding: 'hex' }`. Hex is lower case.
 * Without options nothing is accepted: a misconfigured provider fails closed.
 */
export const verifyHmacSha256: Verifier = (req, secrets, opts) => {
  const config = opts.hmac;
  if (!config?.header) return reject('signature_mismatch');
  const header = req.headers[config.header.toLowerCase()];
  if (!header) return reject('missing_header');
  const prefix = config.prefix ?? '';
  if (!header.startsWith(prefix)) return reject('malformed_header');
  const value = header.slice(prefix.length);
  const candidate = (config.encoding ?? 'hex') === 'hex' ? fromHex(value) : fromBase64(value);
  if (candidate?.length !== 32) return reject('malformed_header');
  for (const secret of secrets) {
    if (digestEquals(hmac('sha256', secret, req.rawBody), candidate)) return ACCEPT;
  }
  return reject('signature_mismatch');
};
