import { digestEquals, fromHex, hmac } from './compare';
import { parseUnixSeconds, withinTolerance } from './timestamp';
import { ACCEPT, reject, type Verifier } from './types';

/**
 * Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{X-Slack-Request-Timestamp}:{body}">`.
 * https://api.slack.com/authentication/verifying-requests-from-slack
 */
export const verifySlack: Verifier = (req, secrets, opts) => {
  const signature = req.headers['x-slack-signature'];
  const timestamp = req.headers['x-slack-request-timestamp'];
  if (!signature || !timestamp) return reject('missing_header');
  const match = /^v0=([0-9a-f]{64})$/.exec(signature);
  const candidate = match?.[1] ? fromHex(match[1]) : undefined;
  const seconds = parseUnixSeconds(timestamp);
  if (!candidate || seconds === undefined) return reject('malformed_header');
  if (!withinTolerance(seconds, opts.now, opts.toleranceSeconds)) return reject('timestamp_out_of_tolerance');
  for (const secret of secrets) {
    if (digestEquals(hmac('sha256', secret, `v0:${timestamp}:`, req.rawBody), candidate)) return ACCEPT;
  }
  return reject('signature_mismatch');
};
