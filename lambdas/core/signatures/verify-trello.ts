import { digestEquals, fromBase64, hmac } from './compare';
import { ACCEPT, reject, type Verifier } from './types';

/**
 * Trello: `X-Trello-Webhook: <base64 HMAC-SHA1 of body + callbackURL>`, keyed with the application's
 * OAuth secret; the URL is the one given at webhook creation, byte for byte.
 * Both parts are hashed as UTF-8: Trello's docs once warned that non-ASCII bodies were hashed as
 * "binary" strings, then dropped the caveat when Trello moved to UTF-8 (trello-archive/api-docs#26).
 * https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/#webhook-signatures
 */
export const verifyTrello: Verifier = (req, secrets) => {
  const header = req.headers['x-trello-webhook'];
  if (!header) return reject('missing_header');
  const candidate = fromBase64(header);
  if (candidate?.length !== 20) return reject('malformed_header');
  // Without the callback URL nothing can match; never fall back to the body alone.
  if (!req.url) return reject('signature_mismatch');
  const url = Buffer.from(req.url, 'utf8');
  for (const secret of secrets) {
    if (digestEquals(hmac('sha1', secret, req.rawBody, url), candidate)) return ACCEPT;
  }
  return reject('signature_mismatch');
};
