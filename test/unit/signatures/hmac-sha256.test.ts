import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../lambdas/core/signatures';
import { signAs } from '../../../local/sign';

// A configurable scheme has no provider vector; the reference is RFC 4231 test case 2 (HMAC-SHA256 of
// "what do ya want for nothing?" keyed "Jefe"), so the digest here is a published one.
const KEY = 'Jefe';
const BODY = 'what do ya want for nothing?';
const RFC4231_HEX = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
const RFC4231_B64 = Buffer.from(RFC4231_HEX, 'hex').toString('base64');

describe('hmac-sha256 signatures (configurable header, prefix, encoding)', () => {
  it('accepts RFC 4231 test case 2 in hex with a prefix and in base64 without one', () => {
    const hex = { header: 'X-Signature', prefix: 'sha256=', encoding: 'hex' as const };
    expect(
      verifyWebhook('hmac-sha256', { headers: { 'x-signature': `sha256=${RFC4231_HEX}` }, rawBody: BODY }, [KEY], {
        hmac: hex,
      }),
    ).toEqual({ ok: true });
    const b64 = { header: 'x-webhook-signature', encoding: 'base64' as const };
    expect(
      verifyWebhook('hmac-sha256', { headers: { 'X-Webhook-Signature': RFC4231_B64 }, rawBody: BODY }, [KEY], {
        hmac: b64,
      }),
    ).toEqual({ ok: true });
  });

  it('names the reason: missing header, missing prefix, wrong encoding, wrong digest', () => {
    const hex = { header: 'x-signature', prefix: 'sha256=' };
    expect(verifyWebhook('hmac-sha256', { headers: {}, rawBody: BODY }, [KEY], { hmac: hex })).toEqual({
      ok: false,
      reason: 'missing_header',
    });
    expect(
      verifyWebhook('hmac-sha256', { headers: { 'x-signature': RFC4231_HEX }, rawBody: BODY }, [KEY], { hmac: hex }),
    ).toEqual({ ok: false, reason: 'malformed_header' });
    expect(
      verifyWebhook('hmac-sha256', { headers: { 'x-signature': `sha256=${RFC4231_B64}` }, rawBody: BODY }, [KEY], {
        hmac: hex,
      }),
    ).toEqual({ ok: false, reason: 'malformed_header' });
    expect(
      verifyWebhook(
        'hmac-sha256',
        { headers: { 'x-signature': `sha256=${RFC4231_HEX}` }, rawBody: `${BODY}!` },
        [KEY],
        { hmac: hex },
      ),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails closed without its configuration', () => {
    expect(verifyWebhook('hmac-sha256', { headers: { 'x-signature': RFC4231_HEX }, rawBody: BODY }, [KEY])).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('the local signer produces what the verifier accepts', () => {
    const hmac = { header: 'X-Signature', prefix: 'sha256=' };
    const signed = signAs('hmac-sha256', BODY, KEY, { hmac });
    expect(signed.headers['x-signature']).toBe(`sha256=${createHmac('sha256', KEY).update(BODY).digest('hex')}`);
    expect(verifyWebhook('hmac-sha256', { headers: signed.headers, rawBody: BODY }, ['other', KEY], { hmac }).ok).toBe(
      true,
    );
  });
});
