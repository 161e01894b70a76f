import { createHmac, randomUUID } from 'node:crypto';
import { Webhook as SvixWebhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOPIFY_HEADERS, SHOPIFY_ORDERS_CREATE_RAW, shopify } from '../../../lambdas/providers/shopify';
import { STANDARD_CONTACT_CREATED, standard } from '../../../lambdas/providers/standard';
import type { LocalStack } from '../../../local/stack';
import type { LogCapture } from '../../helpers/log-capture';
import { testStack, until } from '../../helpers/local-stack';

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, logs, close } = await testStack({ providers: [standard, shopify] }));
});
afterAll(async () => close());

async function post(provider: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${stack.url}/webhooks/${provider}`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const skipped = (eventId: string) =>
  logs.logs('event already processed, skipped').filter((l) => l.event_id === eventId).length;

describe('Svix-signed senders through the local stack (#16 point 12)', () => {
  it('accepts svix-* headers signed by the svix library and dedupes on svix-id', async () => {
    const secret = await stack.secrets.get('standard', 'webhookSecret');
    const body = JSON.stringify({ ...STANDARD_CONTACT_CREATED, timestamp: new Date().toISOString() });
    const id = `msg_${randomUUID().replaceAll('-', '')}`;
    const now = new Date();
    const headers = {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
      'svix-signature': new SvixWebhook(secret).sign(id, now, body),
    };
    const first = await post('standard', body, headers);
    expect(first).toEqual({ status: 200, body: { received: true, eventId: id } });
    const record = await until(() => stack.records.get('standard', 'contact', STANDARD_CONTACT_CREATED.data.id));
    expect(record.eventId).toBe(id);
    expect((await post('standard', body, headers)).status).toBe(200);
    await until(() => skipped(id) === 1 || undefined, 'the retry skipped');
  });
});

describe("Shopify's delivery headers through the local stack (#16 point 14)", () => {
  const sign = async (body: string) =>
    createHmac('sha256', await stack.secrets.get('shopify', 'clientSecret'))
      .update(body)
      .digest('base64');

  it('accepts the unprefixed Shopify-* family (Shopify-Hmac-Sha256 and friends)', async () => {
    const body = SHOPIFY_ORDERS_CREATE_RAW.replace('"id":820982911946154508', '"id":820982911946154509').replace(
      'Order/820982911946154508',
      'Order/820982911946154509',
    );
    const headers = Object.fromEntries(Object.entries(SHOPIFY_HEADERS).map(([k, v]) => [k.slice(2), v]));
    const res = await post('shopify', body, { ...headers, 'shopify-hmac-sha256': await sign(body) });
    expect(res.status).toBe(200);
    const record = await until(() =>
      stack.records.get('shopify', 'order', 'johns-apparel.myshopify.com/820982911946154509'),
    );
    expect(record.data).toMatchObject({ topic: 'orders/create' });
  });

  it('applies one merchant action once when two subscriptions deliver it (same event id, two webhook ids)', async () => {
    const body = SHOPIFY_ORDERS_CREATE_RAW;
    const eventId = randomUUID();
    const delivery = (webhookId: string) => ({
      ...SHOPIFY_HEADERS,
      'x-shopify-webhook-id': webhookId,
      'x-shopify-event-id': eventId,
    });
    const hmac = await sign(body);
    const a = await post('shopify', body, { ...delivery(randomUUID()), 'x-shopify-hmac-sha256': hmac });
    const b = await post('shopify', body, { ...delivery(randomUUID()), 'x-shopify-hmac-sha256': hmac });
    expect(a.body.eventId).toBe(`johns-apparel.myshopify.com/orders/create/${eventId}`);
    expect(b.body.eventId).toBe(a.body.eventId);
    await until(() => skipped(String(a.body.eventId)) === 1 || undefined, 'the second subscription skipped');
    // Another topic of the same action is its own event.
    const paid = { ...delivery(randomUUID()), 'x-shopify-topic': 'orders/paid', 'x-shopify-hmac-sha256': hmac };
    expect((await post('shopify', body, paid)).body.eventId).toBe(`johns-apparel.myshopify.com/orders/paid/${eventId}`);
  });
});
