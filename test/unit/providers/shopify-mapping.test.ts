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

  it('takes the event id from X-Shopify-Webhook-Id and the event time from X-Shopify-Triggered-At', () => {
    const input = {
      headers: SHOPIFY_HEADERS,
      rawBody: SHOPIFY_ORDERS_CREATE_RAW,
      body: JSON.parse(SHOPIFY_ORDERS_CREATE_RAW) as unknown,
    };
    expect(shopify.webhook!.eventId(input)).toBe('b54557e4-bdd9-4b37-8a5f-bf7d70bcd043');
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
    expect(change).toMatchObject({ type: 'event:shop/redact', key: 'johns-apparel.myshopify.com/wh-1' });
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
