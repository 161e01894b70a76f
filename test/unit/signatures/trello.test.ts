import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../lambdas/core/signatures';
import { signAs } from '../../../local/sign';

// Trello documents the algorithm (base64 HMAC-SHA1 of body + callbackURL, keyed with the application's
// secret) without a reproducible example, so these vectors are computed per that algorithm.
// https://developer.atlassian.com/cloud/trello/guides/rest-api/webhooks/#webhook-signatures
const SECRET = 'trello-app-secret-for-vectors';
const CALLBACK_URL = 'https://mycallback.com/trelloCallbacks/?memberID=14&mainModel=true'; // the docs' example callbackURL
const BODY = '{"action":{"id":"51f9424bcd6e040f3c002412","type":"voteOnCard","date":"2013-07-31T16:58:51.949Z"}}';
const sign = (content: string | Buffer, secret = SECRET) => createHmac('sha1', secret).update(content).digest('base64');

describe('trello signatures', () => {
  it('accepts the base64 HMAC-SHA1 of the body followed by the exact callback CALLBACK_URL', () => {
    expect(
      verifyWebhook(
        'trello',
        { headers: { 'X-Trello-Webhook': sign(BODY + CALLBACK_URL) }, rawBody: BODY, url: CALLBACK_URL },
        [SECRET],
      ),
    ).toEqual({ ok: true });
  });

  it('signs the CALLBACK_URL: another CALLBACK_URL, or none, never verifies', () => {
    const headers = { 'x-trello-webhook': sign(BODY + CALLBACK_URL) };
    expect(
      verifyWebhook('trello', { headers, rawBody: BODY, url: CALLBACK_URL.replace('memberID=14', 'memberID=15') }, [
        SECRET,
      ]),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verifyWebhook('trello', { headers, rawBody: BODY }, [SECRET])).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
    expect(
      verifyWebhook('trello', { headers: { 'x-trello-webhook': sign(BODY) }, rawBody: BODY, url: CALLBACK_URL }, [
        SECRET,
      ]),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('hashes non-ASCII bodies as UTF-8 (the current behaviour), not as the legacy 8-bit "binary" string', () => {
    const body = '{"action":{"data":{"card":{"name":"Plan – Q3"}}}}'; // U+2013 EN DASH, the docs' own example character
    const utf8 = sign(Buffer.from(body + CALLBACK_URL, 'utf8'));
    const legacyBinary = sign(Buffer.from(body + CALLBACK_URL, 'latin1'));
    expect(utf8).not.toBe(legacyBinary);
    expect(
      verifyWebhook(
        'trello',
        { headers: { 'x-trello-webhook': utf8 }, rawBody: Buffer.from(body, 'utf8'), url: CALLBACK_URL },
        [SECRET],
      ).ok,
    ).toBe(true);
    expect(
      verifyWebhook(
        'trello',
        { headers: { 'x-trello-webhook': legacyBinary }, rawBody: Buffer.from(body, 'utf8'), url: CALLBACK_URL },
        [SECRET],
      ).ok,
    ).toBe(false);
  });

  it('names the reason: missing header, malformed header', () => {
    expect(verifyWebhook('trello', { headers: {}, rawBody: BODY, url: CALLBACK_URL }, [SECRET])).toEqual({
      ok: false,
      reason: 'missing_header',
    });
    expect(
      verifyWebhook(
        'trello',
        {
          headers: {
            'x-trello-webhook': createHmac('sha256', SECRET)
              .update(BODY + CALLBACK_URL)
              .digest('base64'),
          },
          rawBody: BODY,
          url: CALLBACK_URL,
        },
        [SECRET],
      ),
    ).toEqual({ ok: false, reason: 'malformed_header' });
  });

  it('accepts either application secret during a rotation; the local signer matches', () => {
    const signed = signAs('trello', BODY, SECRET, { url: CALLBACK_URL });
    expect(signed.headers['x-trello-webhook']).toBe(sign(BODY + CALLBACK_URL));
    expect(
      verifyWebhook('trello', { headers: signed.headers, rawBody: BODY, url: CALLBACK_URL }, ['new-app-secret', SECRET])
        .ok,
    ).toBe(true);
  });
});
