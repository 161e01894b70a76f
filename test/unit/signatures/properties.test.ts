import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_SCHEMES, verifyWebhook, type SignatureScheme } from '../../../lambdas/core/signatures';
import { signAs } from '../../../local/sign';

const NOW = new Date('2026-01-01T00:00:00Z');
const URL = 'https://hooks.example.com/webhooks/trello';
const HMAC = { header: 'x-signature', prefix: 'sha256=', encoding: 'hex' as const };
// The header each scheme reads, so arbitrary inputs reach the parsers instead of stopping at missing_header.
const SIGNATURE_HEADER: Record<SignatureScheme, string> = {
  'standard-webhooks': 'webhook-signature',
  stripe: 'stripe-signature',
  slack: 'x-slack-signature',
  github: 'x-hub-signature-256',
  shopify: 'x-shopify-hmac-sha256',
  trello: 'x-trello-webhook',
  'hmac-sha256': 'x-signature',
};
const OTHER_HEADERS = ['webhook-id', 'webhook-timestamp', 'x-slack-request-timestamp'];

const secretArb = (scheme: SignatureScheme) =>
  scheme === 'standard-webhooks'
    ? fc.uint8Array({ minLength: 24, maxLength: 64 }).map((b) => `whsec_${Buffer.from(b).toString('base64')}`)
    : fc.string({ minLength: 1, maxLength: 40 });

// Providers sign text sent as UTF-8; the verifier checks the bytes that arrive.
const bodyArb = (minLength: number, maxLength: number) => fc.string({ unit: 'binary', minLength, maxLength });
const sign = (scheme: SignatureScheme, body: string, secret: string) =>
  signAs(scheme, body, secret, { now: NOW, url: URL, hmac: HMAC });
const verify = (scheme: SignatureScheme, headers: Record<string, string>, body: Buffer, secrets: string[]) =>
  verifyWebhook(scheme, { headers, rawBody: body, url: URL }, secrets, { now: NOW, hmac: HMAC });

/** Replaces the byte at `at` with a different one. */
function flip(buf: Buffer, at: number, delta: number): Buffer {
  const out = Buffer.from(buf);
  out[at] = (out[at]! + delta) % 256;
  return out;
}

/** Replaces the character at `at` with a different printable ASCII one (header values are printable text). */
function flipChar(text: string, at: number, delta: number): string {
  const code = 0x20 + ((text.charCodeAt(at) - 0x20 + delta) % 95);
  return text.slice(0, at) + String.fromCharCode(code) + text.slice(at + 1);
}

describe.each(SIGNATURE_SCHEMES)('%s: properties', (scheme) => {
  it('never throws and always answers ok or a known reason, whatever the headers, body and secrets', () => {
    const reasons = new Set(['missing_header', 'malformed_header', 'timestamp_out_of_tolerance', 'signature_mismatch']);
    const headerValue = fc.oneof(
      fc.string(),
      fc.stringMatching(
        /^(t=\d{1,12},v1=[0-9a-f]{0,64}|v[01a]=[0-9a-f]{0,64}|v1,[A-Za-z0-9+/=]{0,44}|sha256=[0-9a-f]{0,64}|[A-Za-z0-9+/=]{0,44})$/,
      ),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(SIGNATURE_HEADER[scheme], ...OTHER_HEADERS, 'X-Other'), headerValue),
        fc.uint8Array({ maxLength: 256 }),
        fc.array(fc.oneof(fc.string(), fc.constant('whsec_'), fc.constant('')), { maxLength: 3 }),
        fc.option(fc.double(), { nil: undefined }),
        (headers, body, secrets, tolerance) => {
          const result = verifyWebhook(scheme, { headers, rawBody: Buffer.from(body), url: URL }, secrets, {
            now: NOW,
            toleranceSeconds: tolerance,
            hmac: HMAC,
          });
          expect(result.ok || reasons.has(result.reason)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throws on inputs of the wrong type either', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (request, secrets, options) => {
        expect(verifyWebhook(scheme, request as never, secrets as never, options as never).ok).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('accepts what the provider signs and rejects every single-byte change of the body (sampled positions)', () => {
    fc.assert(
      fc.property(
        bodyArb(1, 200),
        secretArb(scheme),
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 255 }),
        (text, secret, positions, delta) => {
          const { headers } = sign(scheme, text, secret);
          const body = Buffer.from(text, 'utf8');
          expect(verify(scheme, headers, body, [secret]).ok).toBe(true);
          for (const p of positions)
            expect(verify(scheme, headers, flip(body, p % body.length, delta), [secret]).ok).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects every single-character change of the signature header (sampled positions)', () => {
    fc.assert(
      fc.property(
        bodyArb(0, 100),
        secretArb(scheme),
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 94 }),
        (text, secret, positions, delta) => {
          const { headers } = sign(scheme, text, secret);
          const body = Buffer.from(text, 'utf8');
          const name = SIGNATURE_HEADER[scheme];
          const value = headers[name]!;
          for (const p of positions) {
            expect(
              verify(scheme, { ...headers, [name]: flipChar(value, p % value.length, delta) }, body, [secret]).ok,
            ).toBe(false);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
