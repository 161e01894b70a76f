import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../lambdas/core/signatures';
import { signAs } from '../../../local/sign';

// Shopify documents the algorithm (base64 HMAC-SHA256 of the raw body with the app's client secret) but
// publishes no secret for its example header, so these vectors are computed per that algorithm.
// https://shopify.dev/docs/apps/build/webhooks/subscribe/https
const SECRET = 'shpss_test_secret_for_vectors';
const BODY = '{"id":820982911946154508,"email":"jon@example.com","updated_at":"2021-12-31T19:00:00-05:00"}';
const sign = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('base64');

describe('shopify signatures', () => {
  it('accepts the base64 HMAC-SHA256 of the raw body, header name in any case', () => {
    expect(
      verifyWebhook('shopify', { headers: { 'X-Shopify-Hmac-Sha256': sign(BODY) }, rawBody: BODY }, [SECRET]),
    ).toEqual({ ok: true });
    expect(
      verifyWebhook('shopify', { headers: { 'x-shopify-hmac-sha256': sign(BODY) }, rawBody: Buffer.from(BODY) }, [
        SECRET,
      ]).ok,
    ).toBe(true);
  });

  it('names the reason: missing header, not base64 of 32 bytes, wrong secret or body', () => {
    expect(verifyWebhook('shopify', { headers: {}, rawBody: BODY }, [SECRET])).toEqual({
      ok: false,
      reason: 'missing_header',
    });
    expect(
      verifyWebhook('shopify', { headers: { 'x-shopify-hmac-sha256': 'not base64!' }, rawBody: BODY }, [SECRET]),
    ).toEqual({ ok: false, reason: 'malformed_header' });
    // The example header in Shopify's docs: well-formed, signed with a secret we do not have.
    expect(
      verifyWebhook(
        'shopify',
        { headers: { 'x-shopify-hmac-sha256': 'XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=' }, rawBody: BODY },
        [SECRET],
      ),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(
      verifyWebhook(
        'shopify',
        { headers: { 'x-shopify-hmac-sha256': sign(BODY) }, rawBody: BODY.replace('jon', 'jim') },
        [SECRET],
      ),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('accepts either secret during a rotation; the local signer matches', () => {
    const signed = signAs('shopify', BODY, SECRET);
    expect(signed.headers['x-shopify-hmac-sha256']).toBe(sign(BODY));
    expect(verifyWebhook('shopify', { headers: signed.headers, rawBody: BODY }, ['shpss_new', SECRET]).ok).toBe(true);
  });
});
