import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyWebhook } from '../../../lambdas/core/signatures';
import { standard } from '../../../lambdas/providers/standard';

// Vectors signed by the official libraries (devDependencies only), as Clerk and Resend sign through Svix.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const BODY =
  '{"type":"user.created","timestamp":"2024-03-01T12:00:00Z","data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC"}}';
const AT = new Date('2024-03-01T12:00:05Z');

function svixHeaders(id: string, at = AT, body = BODY) {
  const signature = new SvixWebhook(SECRET).sign(id, at, body);
  return { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': signature };
}

const verify = (headers: Record<string, string>, body = BODY) =>
  verifyWebhook('standard-webhooks', { headers, rawBody: body }, [SECRET], { now: AT });

describe('Svix-signed senders on the standard-webhooks scheme (#16 point 12)', () => {
  // The official verifiers read the clock: pin it to the vectors' time.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(AT);
  });
  afterEach(() => vi.useRealTimers());

  it('accepts svix-id, svix-timestamp and svix-signature signed by the svix library', () => {
    const headers = svixHeaders('msg_2dTYf7aTPbmh4j2YOa8Zu1W6ORp');
    expect(verify(headers)).toEqual({ ok: true });
    // Cross-check: the official verifier agrees on the same request.
    expect(() => new SvixWebhook(SECRET).verify(BODY, headers)).not.toThrow();
  });

  it('still accepts webhook-* headers signed by the standardwebhooks library', () => {
    const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
    const signature = new StandardWebhook(SECRET).sign(id, AT, BODY);
    const seconds = String(Math.floor(AT.getTime() / 1000));
    const headers = { 'webhook-id': id, 'webhook-timestamp': seconds, 'webhook-signature': signature };
    expect(verify(headers)).toEqual({ ok: true });
  });

  it('reads svix-* first when both families are present, as the svix library does', () => {
    const svix = svixHeaders('msg_svix');
    const stale = { 'webhook-id': 'msg_other', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' };
    const both = { ...stale, ...svix };
    expect(verify(both)).toEqual({ ok: true });
    expect(() => new SvixWebhook(SECRET).verify(BODY, both)).not.toThrow();
    expect(standard.webhook!.eventId({ headers: both, rawBody: BODY, body: {} })).toBe('msg_svix');
  });

  it('refuses a tampered body, a foreign secret and a stale svix-timestamp, as the svix library does', () => {
    const headers = svixHeaders('msg_tamper');
    expect(verify(headers, BODY.replace('created', 'deleted'))).toEqual({ ok: false, reason: 'signature_mismatch' });
    const foreign = svixHeaders('msg_x');
    foreign['svix-signature'] = new SvixWebhook('whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA').sign('msg_x', AT, BODY);
    expect(verify(foreign).ok).toBe(false);
    const stale = svixHeaders('msg_old', new Date(AT.getTime() - 3_600_000));
    expect(verify(stale)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });
});
