import { describe, expect, it } from 'vitest';
import {
  exactShopifyId,
  shopify,
  SHOPIFY_HEADERS,
  SHOPIFY_ORDERS_CREATE_RAW,
  SHOPIFY_ORDERS_DELETE_RAW,
} from '../../../lambdas/providers/shopify';
import { thrownKind, webhookEvent } from '../../helpers/webhook-event';

const map = (rawBody: string, headers: Record<string, string> = SHOPIFY_HEADERS) =>
  shopify.webhook!.map(webhookEvent('shopify', undefined, { rawBody, headers, eventId: 'wh-1' }));

describe('shopify mapping', () => {
  it('keys the documented orders/create order by shop and exact id, versioned by updated_at', () => {
    const [change] = map(SHOPIFY_ORDERS_CREATE_RAW);
    expect(change).toMatchObject({
      type: 'order',
      key: 'johns-apparel.myshopify.com/820982911946154508',
      version: Date.parse('2021-12-31T19:00:00-05:00'),
    });
    expect(change!.data).toMatchObject({ id: '820982911946154508', email: 'jon@example.com', topic: 'orders/create' });
  });

  it('keeps ids beyond 2^53 exact, from admin_graphql_api_id or else the raw text', () => {
    const parsed = JSON.parse(SHOPIFY_ORDERS_DELETE_RAW) as { id: number };
    expect(String(parsed.id)).not.toBe('820982911946154508');
    expect(exactShopifyId(parsed, SHOPIFY_ORDERS_DELETE_RAW)).toBe('820982911946154508');
    expect(exactShopifyId({ id: 1, admin_graphql_api_id: 'gid://shopify/Product/788032119674292922' }, '')).toBe(
      '788032119674292922',
    );
    expect(exactShopifyId({ id: 42 }, '{"id":42}')).toBe('42');
  });

  it('maps orders/delete to a deletion of the same order, versioned by X-Shopify-Triggered-At', () => {
    const [change] = map(SHOPIFY_ORDERS_DELETE_RAW, { ...SHOPIFY_HEADERS, 'x-shopify-topic': 'orders/delete' });
    expect(change).toMatchObject({
      type: 'order',
      key: 'johns-apparel.myshopify.com/820982911946154508',
      version: Date.parse(SHOPIFY_HEADERS['x-shopify-triggered-at']),
      data: { deleted: true },
    });
  });

  it('takes the event id from shop, topic and X-Shopify-Event-Id, the event time from X-Shopify-Triggered-At', () => {
    const input = {
      headers: SHOPIFY_HEADERS,
      rawBody: SHOPIFY_ORDERS_CREATE_RAW,
      body: JSON.parse(SHOPIFY_ORDERS_CREATE_RAW) as unknown,
    };
    expect(shopify.webhook!.eventId(input)).toBe(
      'johns-apparel.myshopify.com/orders/create/98880550-7158-44d4-b7cd-2c97c8a091b5',
    );
    const { 'x-shopify-event-id': _dropped, ...withoutEventId } = SHOPIFY_HEADERS;
    expect(shopify.webhook!.eventId({ ...input, headers: withoutEventId })).toBe(
      'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    );
    expect(shopify.webhook!.eventTime!(input)).toBe(Date.parse('2023-03-29T18:00:27.877Z'));
    expect(shopify.webhook!.forwardHeaders).toEqual(
      expect.arrayContaining(['x-shopify-topic', 'x-shopify-shop-domain', 'x-shopify-triggered-at']),
    );
  });

  it('records compliance requests once each instead of as entities', () => {
    const [change] = map('{"shop_id":954889,"shop_domain":"{shop}.myshopify.com"}', {
      ...SHOPIFY_HEADERS,
      'x-shopify-topic': 'shop/redact',
    });
    expect(change).toMatchObject({
      type: 'event:shop/redact',
      key: `johns-apparel.myshopify.com/${SHOPIFY_HEADERS['x-shopify-event-id']}`,
    });
  });

  it('reads the unprefixed Shopify-* headers as well (#16 point 14)', () => {
    const unprefixed = Object.fromEntries(Object.entries(SHOPIFY_HEADERS).map(([k, v]) => [k.slice(2), v]));
    const [change] = map(SHOPIFY_ORDERS_CREATE_RAW, unprefixed);
    expect(change).toMatchObject({ type: 'order', key: 'johns-apparel.myshopify.com/820982911946154508' });
    const input = { headers: unprefixed, rawBody: '', body: {} };
    expect(shopify.webhook!.eventId(input)).toBe(
      `johns-apparel.myshopify.com/orders/create/${SHOPIFY_HEADERS['x-shopify-event-id']}`,
    );
  });

  it('keeps a Shopify Events notice (Shopify-Handle, Shopify-Action) as an event, never over the resource', () => {
    const headers = {
      'shopify-topic': 'orders/updated',
      'shopify-shop-domain': 'johns-apparel.myshopify.com',
      'shopify-event-id': 'ev-1',
      'shopify-handle': 'order-sync',
      'shopify-action': 'update',
      'shopify-resource-id': 'gid://shopify/Order/820982911946154508',
      'shopify-triggered-at': '2026-01-02T03:04:05Z',
    };
    const [change] = map('{"topic":"orders/updated","action":"update","handle":"order-sync"}', headers);
    expect(change).toMatchObject({
      type: 'event:orders/updated',
      key: 'johns-apparel.myshopify.com/ev-1',
      version: Date.parse('2026-01-02T03:04:05Z'),
      data: { topic: 'orders/updated', action: 'update' },
    });
  });

  it('rejects what it cannot key or version as invalid_payload', () => {
    expect(thrownKind(() => map('{"email":"jon@example.com"}'))).toBe('invalid_payload');
    expect(thrownKind(() => map('{"id":1}'))).toBe('invalid_payload');
    expect(thrownKind(() => map('{"id":1,"updated_at":"yesterday"}'))).toBe('invalid_payload');
    const { 'x-shopify-topic': _, ...noTopic } = SHOPIFY_HEADERS;
    expect(thrownKind(() => map(SHOPIFY_ORDERS_CREATE_RAW, noTopic))).toBe('invalid_payload');
  });

  it('authenticates with X-Shopify-Access-Token and pins the API version in the path', () => {
    expect(shopify.auth).toEqual({
      kind: 'apiKey',
      in: 'header',
      name: 'X-Shopify-Access-Token',
      secret: 'accessToken',
    });
    expect(shopify.apiVersion).toEqual({ value: expect.stringMatching(/^\d{4}-\d{2}$/), in: 'path' });
  });
});
