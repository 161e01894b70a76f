import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretValues } from '../../lambdas/core/secret-values';
import type { SignatureScheme } from '../../lambdas/core/signatures';
import { getProvider } from '../../lambdas/providers';
import { SHOPIFY_HEADERS, SHOPIFY_ORDERS_CREATE_RAW } from '../../lambdas/providers/shopify';
import { SLACK_APP_MENTION, SLACK_URL_VERIFICATION } from '../../lambdas/providers/slack';
import { STANDARD_CONTACT_CREATED } from '../../lambdas/providers/standard';
import { STRIPE_SETUP_INTENT_CREATED } from '../../lambdas/providers/stripe';
import { TRELLO_VOTE_ON_CARD } from '../../lambdas/providers/trello';
import { isSimulatedTarget } from '../../local/secrets';
import { signAs, type SignedDelivery } from '../../local/sign';
import type { LocalStack } from '../../local/stack';
import type { LogCapture } from '../helpers/log-capture';
import { testStack, until } from '../helpers/local-stack';

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;
// Every signature value sent, for the log scan at the end.
const sent: string[] = [];
const SIGNATURE_HEADERS = [
  'stripe-signature',
  'x-slack-signature',
  'x-shopify-hmac-sha256',
  'x-trello-webhook',
  'webhook-signature',
];

beforeAll(async () => {
  ({ stack, logs, close } = await testStack());
});
afterAll(async () => close());

/** The URL the ingest derives for a provider's route (what Trello signs unless one is configured). */
const routeUrl = (provider: string) => `https://127.0.0.1:${stack.port}/webhooks/${provider}`;

async function secretOf(provider: string): Promise<string> {
  const def = getProvider(provider)!;
  return secretValues(await stack.secrets.get(provider, def.webhook!.secret))[0]!;
}

async function sign(
  provider: string,
  body: string,
  opts: { headers?: Record<string, string>; now?: Date; secret?: string; url?: string } = {},
): Promise<SignedDelivery> {
  const scheme = getProvider(provider)!.webhook!.scheme as SignatureScheme;
  const signed = signAs(scheme, body, opts.secret ?? (await secretOf(provider)), {
    headers: opts.headers,
    now: opts.now,
    url: opts.url ?? routeUrl(provider),
  });
  for (const name of SIGNATURE_HEADERS) if (signed.headers[name]) sent.push(signed.headers[name]);
  return signed;
}

async function post(provider: string, delivery: SignedDelivery, extra: Record<string, string> = {}) {
  const res = await fetch(`${stack.url}/webhooks/${provider}`, {
    method: 'POST',
    headers: { ...delivery.headers, ...extra },
    body: delivery.body,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, headers: res.headers };
}

const rejected = (provider: string, reason: string) => logs.metric('SignatureRejected', { provider, reason });
const accepted = () => logs.logs('webhook accepted').length;

describe('each provider through the local stack', () => {
  const cases: {
    provider: string;
    body: string;
    headers: Record<string, string>;
    eventId: string;
    record: [string, string];
  }[] = [
    {
      provider: 'slack',
      body: JSON.stringify(SLACK_APP_MENTION),
      headers: {},
      eventId: 'Ev08MFMKH6',
      record: ['message', 'C123ABC456/1515449522.000016'],
    },
    {
      provider: 'stripe',
      body: JSON.stringify(STRIPE_SETUP_INTENT_CREATED),
      headers: {},
      eventId: 'evt_1NG8Du2eZvKYlo2CUI79vXWy',
      record: ['setup_intent', 'seti_1NG8Du2eZvKYlo2C9XMqbR0x'],
    },
    {
      provider: 'shopify',
      body: SHOPIFY_ORDERS_CREATE_RAW,
      headers: SHOPIFY_HEADERS,
      eventId: `johns-apparel.myshopify.com/orders/create/${SHOPIFY_HEADERS['x-shopify-event-id']}`,
      record: ['order', 'johns-apparel.myshopify.com/820982911946154508'],
    },
    {
      provider: 'trello',
      body: JSON.stringify(TRELLO_VOTE_ON_CARD),
      headers: {},
      eventId: '51f9424bcd6e040f3c002412',
      record: ['card', '51a79e72dbb7e23c7c003778'],
    },
    {
      provider: 'standard',
      body: JSON.stringify(STANDARD_CONTACT_CREATED),
      headers: { 'webhook-id': 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W' },
      eventId: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
      record: ['contact', '1f81eb52-5198-4599-803e-771906343485'],
    },
  ];

  it.each(cases)(
    '$provider: a signed delivery of its documented example is acknowledged and becomes a record',
    async ({ provider, body, headers, eventId, record }) => {
      const res = await post(provider, await sign(provider, body, { headers }));
      expect(res.status).toBe(200);
      expect(res.body.eventId).toBe(eventId);
      const stored = await until(() => stack.records.get(provider, ...record), `${provider} record`);
      expect(stored.eventId).toBe(eventId);
      expect(stack.queues[provider]!.dlq.list()).toHaveLength(0);
    },
  );
});

describe('rejections: 401 with the reason, a SignatureRejected metric carrying it, nothing queued', () => {
  const body = (provider: string) =>
    ({
      slack: JSON.stringify(SLACK_APP_MENTION),
      stripe: JSON.stringify(STRIPE_SETUP_INTENT_CREATED),
      shopify: SHOPIFY_ORDERS_CREATE_RAW,
      trello: JSON.stringify(TRELLO_VOTE_ON_CARD),
      standard: JSON.stringify(STANDARD_CONTACT_CREATED),
    })[provider]!;
  const signatureHeader: Record<string, string> = {
    slack: 'x-slack-signature',
    stripe: 'stripe-signature',
    shopify: 'x-shopify-hmac-sha256',
    trello: 'x-trello-webhook',
    standard: 'webhook-signature',
  };
  const malformed: Record<string, string> = {
    slack: 'v0=abc',
    stripe: 't=abc,v1=zz',
    shopify: 'not-base64!',
    trello: 'c2hvcnQ=',
    standard: 'no-version-here',
  };
  const tenMinutes = 10 * 60_000;

  async function expectRejected(provider: string, reason: string, delivery: SignedDelivery) {
    const before = { metric: rejected(provider, reason), accepted: accepted() };
    const res = await post(provider, delivery);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_signature', reason });
    expect(rejected(provider, reason)).toBe(before.metric + 1);
    expect(accepted()).toBe(before.accepted);
  }

  it.each(['slack', 'stripe', 'shopify', 'trello', 'standard'])(
    '%s: missing, malformed and mismatched signatures',
    async (provider) => {
      const signed = await sign(provider, body(provider), { headers: provider === 'shopify' ? SHOPIFY_HEADERS : {} });
      const { [signatureHeader[provider]!]: _, ...unsigned } = signed.headers;
      await expectRejected(provider, 'missing_header', { ...signed, headers: unsigned });
      await expectRejected(provider, 'malformed_header', {
        ...signed,
        headers: { ...signed.headers, [signatureHeader[provider]!]: malformed[provider]! },
      });
      await expectRejected(
        provider,
        'signature_mismatch',
        await sign(provider, body(provider), {
          secret: provider === 'standard' ? 'whsec_bm90LXRoZS1zZWNyZXQtYXQtYWxsLTI0Yg==' : 'not-the-secret',
        }),
      );
      await expectRejected(provider, 'signature_mismatch', { ...signed, body: signed.body.replace('"', ' "') });
    },
  );

  it.each(['slack', 'stripe', 'standard'])(
    '%s: a stale or future timestamp, correctly signed, is out of tolerance',
    async (provider) => {
      await expectRejected(
        provider,
        'timestamp_out_of_tolerance',
        await sign(provider, body(provider), { now: new Date(Date.now() - tenMinutes) }),
      );
      await expectRejected(
        provider,
        'timestamp_out_of_tolerance',
        await sign(provider, body(provider), { now: new Date(Date.now() + tenMinutes) }),
      );
    },
  );
});

describe('handshakes and fast acknowledgement', () => {
  it('answers Slack url_verification with its challenge only after verifying, and queues nothing', async () => {
    const before = accepted();
    const signed = await sign('slack', JSON.stringify(SLACK_URL_VERIFICATION));
    const res = await post('slack', signed);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual({ challenge: SLACK_URL_VERIFICATION.challenge });
    const forged = await post(
      'slack',
      await sign('slack', JSON.stringify(SLACK_URL_VERIFICATION), { secret: 'attacker' }),
    );
    expect(forged.status).toBe(401);
    expect(forged.body.challenge).toBeUndefined();
    expect(accepted()).toBe(before);
  });

  it("answers Trello's HEAD probe with 200 and no body; other methods stay 405, and HEAD elsewhere too", async () => {
    const head = await fetch(`${stack.url}/webhooks/trello`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const get = await fetch(`${stack.url}/webhooks/trello`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, HEAD');
    expect((await fetch(`${stack.url}/webhooks/stripe`, { method: 'HEAD' })).status).toBe(405);
  });

  it('verifies Trello against the configured callback URL when one is set, and the request URL otherwise', async () => {
    const registered = 'https://hooks.example.com/trello/callback?board=1';
    const action = (id: string) =>
      JSON.stringify({ ...TRELLO_VOTE_ON_CARD, action: { ...TRELLO_VOTE_ON_CARD.action, id } });
    stack.secrets.put('trello', 'callbackUrl', registered);
    try {
      expect((await post('trello', await sign('trello', action('a-configured'), { url: registered }))).status).toBe(
        200,
      );
      expect(
        (await post('trello', await sign('trello', action('a-derived'), { url: routeUrl('trello') }))).body.reason,
      ).toBe('signature_mismatch');
    } finally {
      stack.secrets.put('trello', 'callbackUrl', 'auto');
    }
    expect(
      (await post('trello', await sign('trello', action('a-derived-again'), { url: routeUrl('trello') }))).status,
    ).toBe(200);
  });

  it('accepts a Slack retry (X-Slack-Retry-Num) and applies the event once: its event_id does not change', async () => {
    const event = JSON.stringify({
      ...SLACK_APP_MENTION,
      event_id: 'Ev-retry-1',
      event: { ...SLACK_APP_MENTION.event, ts: '1700000000.000100', event_ts: '1700000000.000100' },
    });
    const first = await post('slack', await sign('slack', event));
    await stack.drained();
    // Slack re-signs each attempt, with the time of the retry.
    const retry = await post('slack', await sign('slack', event, { now: new Date(Date.now() + 60_000) }), {
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    await stack.drained();
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.body.eventId).toBe('Ev-retry-1');
    expect(logs.logs('event processed').filter((l) => l.event_id === 'Ev-retry-1' && l.written === 1)).toHaveLength(1);
    expect(logs.logs('event already processed, skipped').filter((l) => l.event_id === 'Ev-retry-1')).toHaveLength(1);
  });

  it('accepts the old and the new secret while a rotation is in progress, and only those', async () => {
    const old = await secretOf('stripe');
    stack.secrets.put('stripe', 'webhookSecret', JSON.stringify(['whsec_rotated_new', old]));
    try {
      const event = (id: string) => JSON.stringify({ ...STRIPE_SETUP_INTENT_CREATED, id });
      expect((await post('stripe', await sign('stripe', event('evt_rot_old'), { secret: old }))).status).toBe(200);
      expect(
        (await post('stripe', await sign('stripe', event('evt_rot_new'), { secret: 'whsec_rotated_new' }))).status,
      ).toBe(200);
      expect(
        (await post('stripe', await sign('stripe', event('evt_rot_other'), { secret: 'whsec_someone_else' }))).status,
      ).toBe(401);
    } finally {
      stack.secrets.put('stripe', 'webhookSecret', old);
    }
  });
});

describe('logs', () => {
  it('hold no secret and no signature, whatever was sent', async () => {
    await stack.drained();
    const secrets = Object.values(stack.secrets.read())
      .flatMap((entry) => Object.values(entry))
      .filter((v) => v !== 'auto' && !isSimulatedTarget(v));
    expect(sent.length).toBeGreaterThan(20);
    expect(logs.leaked([...secrets, 'whsec_rotated_new', ...sent])).toEqual([]);
  });
});
