import { digestEquals, fromBase64, hmac } from './compare';
import { ACCEPT, reject, type Verifier } from './types';

/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the raw body>`, keyed with the app's client secret.
 * Shopify Events deliveries name it `Shopify-Hmac-Sha256` (and may send both, with one value).
 * https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-2-validate-the-origin-of-your-webhook-to-ensure-its-coming-from-shopify
 */
export const verifyShopify: Verifier = (req, secrets) => {
  const header = req.headers['x-shopify-hmac-sha256'] ?? req.headers['shopify-hmac-sha256'];
  if (!header) return reject('missing_header');
  const candidate = fromBase64(header);
  if (candidate?.length !== 32) return reject('malformed_header');
  for (const secret of secrets) {
    if (digestEquals(hmac('sha256', secret, req.rawBody), candidate)) return ACCEPT;
  }
  return reject('signature_mismatch');
};
