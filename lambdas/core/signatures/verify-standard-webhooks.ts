import { digestEquals, fromBase64, hmac } from './compare';
import { parseUnixSeconds, withinTolerance } from './timestamp';
import { ACCEPT, reject, type Verifier } from './types';

const SECRET_PREFIX = 'whsec_';

/** The HMAC key of a `whsec_<base64>` secret; the spec's libraries also take the bare base64 part. */
export function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/**
 * The id, timestamp and signature of a Standard Webhooks delivery, from either header family: Svix-signed senders
 * (Clerk, Resend, ...) send `svix-id`, `svix-timestamp`, `svix-signature`. As the official `svix` library reads them:
 * each `svix-*` header first, else its `webhook-*` twin.
 *
 * @example
 * standardWebhookHeaders({ 'svix-id': 'msg_1', 'webhook-id': 'other' }).id // 'msg_1'
 */
export function standardWebhookHeaders(headers: Record<string, string>): {
  id?: string;
  timestamp?: string;
  signature?: string;
} {
  return {
    id: headers['svix-id'] ?? headers['webhook-id'],
    timestamp: headers['svix-timestamp'] ?? headers['webhook-timestamp'],
    signature: headers['svix-signature'] ?? headers['webhook-signature'],
  };
}

/**
 * Standard Webhooks: `webhook-signature` is a space-separated list of `<version>,<signature>`; `v1` is
 * base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}". Other versions (`v1a`, asymmetric) are
 * skipped: a sender signs with every active key, so any v1 match is enough. Svix's `svix-*` headers are read first.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export const verifyStandardWebhooks: Verifier = (req, secrets, opts) => {
  const { id, timestamp, signature: header } = standardWebhookHeaders(req.headers);
  if (!id || !timestamp || !header) return reject('missing_header');
  let entries = 0;
  const candidates: Buffer[] = [];
  for (const token of header.split(' ')) {
    const comma = token.indexOf(',');
    if (comma <= 0) continue;
    entries += 1;
    const digest = token.slice(0, comma) === 'v1' ? fromBase64(token.slice(comma + 1)) : undefined;
    if (digest?.length === 32) candidates.push(digest);
  }
  const seconds = parseUnixSeconds(timestamp);
  if (entries === 0 || seconds === undefined) return reject('malformed_header');
  if (!withinTolerance(seconds, opts.now, opts.toleranceSeconds)) return reject('timestamp_out_of_tolerance');
  for (const secret of secrets) {
    const key = standardWebhooksKey(secret);
    if (key.length === 0) continue;
    const expected = hmac('sha256', key, `${id}.${timestamp}.`, req.rawBody);
    if (candidates.some((c) => digestEquals(expected, c))) return ACCEPT;
  }
  return reject('signature_mismatch');
};
