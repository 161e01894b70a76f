import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../lambdas/core/signatures';
import { signAs } from '../../../local/sign';

// Slack's documented example: https://api.slack.com/authentication/verifying-requests-from-slack
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TIMESTAMP = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const AT = new Date(Number(TIMESTAMP) * 1000);
const headers = (signature = SIGNATURE, timestamp = TIMESTAMP) => ({
  'X-Slack-Signature': signature,
  'X-Slack-Request-Timestamp': timestamp,
});

describe('slack signatures', () => {
  it("accepts Slack's documented example", () => {
    expect(verifyWebhook('slack', { headers: headers(), rawBody: BODY }, [SECRET], { now: AT })).toEqual({ ok: true });
  });

  it('rejects a request older or newer than the tolerance (replays, skewed clocks)', () => {
    expect(
      verifyWebhook('slack', { headers: headers(), rawBody: BODY }, [SECRET], {
        now: new Date(AT.getTime() + 301_000),
      }),
    ).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(
      verifyWebhook('slack', { headers: headers(), rawBody: BODY }, [SECRET], {
        now: new Date(AT.getTime() - 301_000),
      }),
    ).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  it('names the reason: missing header, malformed header, changed timestamp, wrong body', () => {
    expect(
      verifyWebhook('slack', { headers: { 'x-slack-signature': SIGNATURE }, rawBody: BODY }, [SECRET], { now: AT }),
    ).toEqual({ ok: false, reason: 'missing_header' });
    expect(verifyWebhook('slack', { headers: headers('v1=a2114d57'), rawBody: BODY }, [SECRET], { now: AT })).toEqual({
      ok: false,
      reason: 'malformed_header',
    });
    expect(
      verifyWebhook('slack', { headers: headers(SIGNATURE.toUpperCase()), rawBody: BODY }, [SECRET], { now: AT }),
    ).toEqual({ ok: false, reason: 'malformed_header' });
    expect(
      verifyWebhook('slack', { headers: headers(SIGNATURE, '1531420619'), rawBody: BODY }, [SECRET], { now: AT }),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verifyWebhook('slack', { headers: headers(), rawBody: `${BODY}&x=1` }, [SECRET], { now: AT })).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('accepts the old and the new signing secret during a rotation; the local signer matches the example', () => {
    const signed = signAs('slack', BODY, SECRET, { now: AT });
    expect(signed.headers['x-slack-signature']).toBe(SIGNATURE);
    expect(
      verifyWebhook('slack', { headers: signed.headers, rawBody: BODY }, ['new-signing-secret', SECRET], { now: AT })
        .ok,
    ).toBe(true);
  });
});
