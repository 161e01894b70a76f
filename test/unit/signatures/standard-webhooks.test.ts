import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../lambdas/core/signatures';
import { signAs } from '../../../local/sign';

// The spec repository's published vector (standard-webhooks/standard-webhooks, libraries/go/webhook_test.go, TestWebhookSign).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = '1614265330';
const BODY = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const AT = new Date(Number(TIMESTAMP) * 1000);
const headers = (signature = SIGNATURE, timestamp = TIMESTAMP) => ({
  'webhook-id': ID,
  'webhook-timestamp': timestamp,
  'webhook-signature': signature,
});

describe('standard-webhooks signatures', () => {
  it("accepts the spec repository's published vector, with or without the whsec_ prefix", () => {
    expect(verifyWebhook('standard-webhooks', { headers: headers(), rawBody: BODY }, [SECRET], { now: AT })).toEqual({
      ok: true,
    });
    expect(
      verifyWebhook('standard-webhooks', { headers: headers(), rawBody: BODY }, [SECRET.slice('whsec_'.length)], {
        now: AT,
      }).ok,
    ).toBe(true);
  });

  it('finds the v1 signature in a space-separated list and skips other versions (v1a, v2)', () => {
    // The list from the spec's own multi-signature test: a wrong v1, a v2, the valid one, another wrong v1.
    const list = [
      'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
      'v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
      SIGNATURE,
      'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
    ].join(' ');
    expect(
      verifyWebhook('standard-webhooks', { headers: headers(list), rawBody: BODY }, [SECRET], { now: AT }).ok,
    ).toBe(true);
    // The spec's header example: a v1 and an asymmetric v1a for another key; the header parses, nothing matches.
    const specExample =
      'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==';
    expect(
      verifyWebhook('standard-webhooks', { headers: headers(specExample), rawBody: BODY }, [SECRET], { now: AT }),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('rejects a timestamp older or newer than the tolerance, and accepts one at its edge', () => {
    const fiveMinutes = 300_000;
    expect(
      verifyWebhook('standard-webhooks', { headers: headers(), rawBody: BODY }, [SECRET], {
        now: new Date(AT.getTime() + fiveMinutes),
      }).ok,
    ).toBe(true);
    expect(
      verifyWebhook('standard-webhooks', { headers: headers(), rawBody: BODY }, [SECRET], {
        now: new Date(AT.getTime() + fiveMinutes + 1000),
      }),
    ).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(
      verifyWebhook('standard-webhooks', { headers: headers(), rawBody: BODY }, [SECRET], {
        now: new Date(AT.getTime() - fiveMinutes - 1000),
      }),
    ).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(
      verifyWebhook('standard-webhooks', { headers: headers(), rawBody: BODY }, [SECRET], {
        now: new Date(AT.getTime() + 3_600_000),
        toleranceSeconds: 3600,
      }).ok,
    ).toBe(true);
  });

  it('signs the id and timestamp too: changing either breaks the signature', () => {
    const other = { ...headers(), 'webhook-id': 'msg_other' };
    expect(verifyWebhook('standard-webhooks', { headers: other, rawBody: BODY }, [SECRET], { now: AT })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
    expect(
      verifyWebhook('standard-webhooks', { headers: headers(SIGNATURE, '1614265331'), rawBody: BODY }, [SECRET], {
        now: AT,
      }),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('names the reason: missing header, malformed header, wrong secret', () => {
    const { 'webhook-id': _, ...noId } = headers();
    expect(verifyWebhook('standard-webhooks', { headers: noId, rawBody: BODY }, [SECRET], { now: AT })).toEqual({
      ok: false,
      reason: 'missing_header',
    });
    expect(
      verifyWebhook('standard-webhooks', { headers: headers('g0hM9SsE'), rawBody: BODY }, [SECRET], { now: AT }),
    ).toEqual({ ok: false, reason: 'malformed_header' });
    expect(
      verifyWebhook('standard-webhooks', { headers: headers(SIGNATURE, '2021-02-25'), rawBody: BODY }, [SECRET], {
        now: AT,
      }),
    ).toEqual({ ok: false, reason: 'malformed_header' });
    expect(
      verifyWebhook(
        'standard-webhooks',
        { headers: headers(), rawBody: BODY },
        ['whsec_c2VjcmV0LW9mLXNvbWVvbmUtZWxzZQ=='],
        { now: AT },
      ),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('accepts any of several secrets during a rotation; the local signer produces what it verifies', () => {
    const signed = signAs('standard-webhooks', BODY, SECRET, { now: AT, headers: { 'webhook-id': ID } });
    expect(signed.headers['webhook-signature']).toBe(SIGNATURE);
    expect(
      verifyWebhook(
        'standard-webhooks',
        { headers: signed.headers, rawBody: BODY },
        ['whsec_b2xkLXNlY3JldC1rZXktMjQtYnl0ZXM=', SECRET],
        { now: AT },
      ).ok,
    ).toBe(true);
  });
});
