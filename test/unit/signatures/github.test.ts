import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../lambdas/core/signatures';

// GitHub's published test vector: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
const DOC_SECRET = "It's a Secret to Everybody";
const DOC_BODY = 'Hello, World!';
const DOC_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

const sign = (body: string, secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('github signatures', () => {
  it("accepts GitHub's documented example", () => {
    expect(
      verifyWebhook('github', { headers: { 'X-Hub-Signature-256': DOC_SIGNATURE }, rawBody: DOC_BODY }, [DOC_SECRET]),
    ).toEqual({ ok: true });
  });

  it('matches header names case-insensitively and takes the raw body as a Buffer', () => {
    const headers = { 'x-hub-signature-256': DOC_SIGNATURE };
    expect(verifyWebhook('github', { headers, rawBody: Buffer.from(DOC_BODY) }, [DOC_SECRET]).ok).toBe(true);
  });

  it('accepts any of several secrets during a rotation', () => {
    const body = '{"zen":"Keep it logically awesome."}';
    const headers = { 'x-hub-signature-256': sign(body, 'new-secret') };
    expect(verifyWebhook('github', { headers, rawBody: body }, ['old-secret', 'new-secret']).ok).toBe(true);
  });

  it('rejects a missing header, a malformed header and a wrong signature with their reasons', () => {
    expect(verifyWebhook('github', { headers: {}, rawBody: DOC_BODY }, [DOC_SECRET])).toEqual({
      ok: false,
      reason: 'missing_header',
    });
    expect(
      verifyWebhook('github', { headers: { 'x-hub-signature-256': 'sha1=abc' }, rawBody: DOC_BODY }, [DOC_SECRET]),
    ).toEqual({ ok: false, reason: 'malformed_header' });
    expect(
      verifyWebhook('github', { headers: { 'x-hub-signature-256': DOC_SIGNATURE }, rawBody: 'Hello, World?' }, [
        DOC_SECRET,
      ]),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(
      verifyWebhook('github', { headers: { 'x-hub-signature-256': DOC_SIGNATURE }, rawBody: DOC_BODY }, ['wrong']),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('verifies the exact bytes: re-serialised JSON does not pass', () => {
    const raw = '{"a": 1}';
    const headers = { 'x-hub-signature-256': sign(raw, 's') };
    expect(verifyWebhook('github', { headers, rawBody: JSON.stringify(JSON.parse(raw)) }, ['s']).ok).toBe(false);
  });

  it('never throws, whatever it is given', () => {
    const inputs: unknown[] = [
      null,
      undefined,
      42,
      { headers: null, rawBody: null },
      { headers: { 'x-hub-signature-256': ['a', 'b'] }, rawBody: 1 },
    ];
    for (const input of inputs) {
      expect(() => verifyWebhook('github', input as never, [DOC_SECRET])).not.toThrow();
      expect(verifyWebhook('github', input as never, [DOC_SECRET]).ok).toBe(false);
    }
    expect(
      verifyWebhook('github', { headers: { 'x-hub-signature-256': DOC_SIGNATURE }, rawBody: DOC_BODY }, []).ok,
    ).toBe(false);
  });
});
