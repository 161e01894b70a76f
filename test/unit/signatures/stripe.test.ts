import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../lambdas/core/signatures';
import { signAs } from '../../../local/sign';

// Stripe publishes the header format but no secret to reproduce its example, so the vectors here are
// computed per the documented algorithm: v1 = hex HMAC-SHA256(secret, `${t}.${body}`).
// https://docs.stripe.com/webhooks#verify-manually
const SECRET = 'whsec_test_secret_for_vectors';
const T = 1686089970; // the `created` of Stripe's documented event example
const BODY = '{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"setup_intent.created"}';
const AT = new Date(T * 1000);
const v1 = (secret: string, t = T, body = BODY) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
const header = (value: string) => ({ 'Stripe-Signature': value });

describe('stripe signatures', () => {
  it('accepts a v1 signature over "{t}.{body}"', () => {
    expect(
      verifyWebhook('stripe', { headers: header(`t=${T},v1=${v1(SECRET)}`), rawBody: BODY }, [SECRET], { now: AT }),
    ).toEqual({ ok: true });
  });

  it("parses Stripe's documented header shape, ignoring the v0 scheme", () => {
    // The example header from Stripe's docs (its secret is not published): well-formed, not ours.
    const documented =
      't=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39';
    expect(
      verifyWebhook('stripe', { headers: header(documented), rawBody: BODY }, [SECRET], {
        now: new Date(1492774577_000),
      }),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(
      verifyWebhook('stripe', { headers: header(`t=${T},v0=${v1(SECRET)}`), rawBody: BODY }, [SECRET], { now: AT }),
    ).toEqual({ ok: false, reason: 'malformed_header' });
  });

  it('accepts any of several v1 signatures (Stripe sends one per active secret while rolling)', () => {
    const value = `t=${T},v1=${v1('old-secret')},v1=${v1(SECRET)}`;
    expect(verifyWebhook('stripe', { headers: header(value), rawBody: BODY }, [SECRET], { now: AT }).ok).toBe(true);
    expect(
      verifyWebhook('stripe', { headers: header(`t=${T},v1=${v1(SECRET)}`), rawBody: BODY }, ['whsec_other', SECRET], {
        now: AT,
      }).ok,
    ).toBe(true);
  });

  it('rejects timestamps outside the tolerance in both directions, and honours a per-provider tolerance', () => {
    const signed = header(`t=${T},v1=${v1(SECRET)}`);
    expect(
      verifyWebhook('stripe', { headers: signed, rawBody: BODY }, [SECRET], { now: new Date((T + 301) * 1000) }),
    ).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(
      verifyWebhook('stripe', { headers: signed, rawBody: BODY }, [SECRET], { now: new Date((T - 301) * 1000) }),
    ).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(
      verifyWebhook('stripe', { headers: signed, rawBody: BODY }, [SECRET], {
        now: new Date((T + 61) * 1000),
        toleranceSeconds: 60,
      }),
    ).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(
      verifyWebhook('stripe', { headers: signed, rawBody: BODY }, [SECRET], { now: new Date((T + 299) * 1000) }).ok,
    ).toBe(true);
  });

  it('names the reason: missing header, malformed header, tampered timestamp or body', () => {
    expect(verifyWebhook('stripe', { headers: {}, rawBody: BODY }, [SECRET], { now: AT })).toEqual({
      ok: false,
      reason: 'missing_header',
    });
    for (const bad of [
      `v1=${v1(SECRET)}`,
      `t=abc,v1=${v1(SECRET)}`,
      `t=${T},t=${T},v1=${v1(SECRET)}`,
      `t=${T},v1=zz`,
      'garbage',
    ]) {
      expect(verifyWebhook('stripe', { headers: header(bad), rawBody: BODY }, [SECRET], { now: AT })).toEqual({
        ok: false,
        reason: 'malformed_header',
      });
    }
    expect(
      verifyWebhook('stripe', { headers: header(`t=${T + 1},v1=${v1(SECRET)}`), rawBody: BODY }, [SECRET], { now: AT }),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(
      verifyWebhook('stripe', { headers: header(`t=${T},v1=${v1(SECRET)}`), rawBody: `${BODY} ` }, [SECRET], {
        now: AT,
      }),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('the local signer produces the same header', () => {
    expect(signAs('stripe', BODY, SECRET, { now: AT }).headers['stripe-signature']).toBe(`t=${T},v1=${v1(SECRET)}`);
  });
});
