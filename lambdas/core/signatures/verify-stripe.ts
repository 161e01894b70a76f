import { digestEquals, fromHex, hmac } from './compare';
import { parseUnixSeconds, withinTolerance } from './timestamp';
import { ACCEPT, reject, type Verifier } from './types';

/**
 * Stripe: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{body}">[,v1=...]`.
 * Several v1 values appear while an endpoint secret is rolled; other schemes (v0) are ignored.
 * https://docs.stripe.com/webhooks#verify-manually
 */
export const verifyStripe: Verifier = (req, secrets, opts) => {
  const header = req.headers['stripe-signature'];
  if (!header) return reject('missing_header');
  let t: string | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return reject('malformed_header');
    const [key, value] = [part.slice(0, eq), part.slice(eq + 1)];
    if (key === 't') {
      if (t !== undefined) return reject('malformed_header');
      t = value;
    } else if (key === 'v1') {
      const digest = fromHex(value);
      if (digest?.length !== 32) return reject('malformed_header');
      candidates.push(digest);
    }
  }
  const seconds = parseUnixSeconds(t);
  if (seconds === undefined || candidates.length === 0) return reject('malformed_header');
  if (!withinTolerance(seconds, opts.now, opts.toleranceSeconds)) return reject('timestamp_out_of_tolerance');
  for (const secret of secrets) {
    const expected = hmac('sha256', secret, `${t}.`, req.rawBody);
    if (candidates.some((c) => digestEquals(expected, c))) return ACCEPT;
  }
  return reject('signature_mismatch');
};
