import { describe, expect, it } from 'vitest';
import { stripe, STRIPE_SETUP_INTENT_CREATED } from '../../../lambdas/providers/stripe';
import { thrownKind, webhookEvent } from '../../helpers/webhook-event';

const map = (body: unknown) => stripe.webhook!.map(webhookEvent('stripe', body));
const input = (body: unknown) => ({ headers: {}, rawBody: JSON.stringify(body), body });

describe('stripe mapping', () => {
  it("keys the documented event's data.object by object type and id, versioned by the event's created", () => {
    const [change] = map(STRIPE_SETUP_INTENT_CREATED);
    expect(change).toMatchObject({
      type: 'setup_intent',
      key: 'seti_1NG8Du2eZvKYlo2C9XMqbR0x',
      version: 1686089970 * 1000,
    });
    expect(change!.data).toMatchObject({ status: 'requires_confirmation', event_type: 'setup_intent.created' });
  });

  it('takes the event id and event time from the documented fields', () => {
    expect(stripe.webhook!.eventId(input(STRIPE_SETUP_INTENT_CREATED))).toBe('evt_1NG8Du2eZvKYlo2CUI79vXWy');
    expect(stripe.webhook!.eventTime!(input(STRIPE_SETUP_INTENT_CREATED))).toBe(1686089970 * 1000);
    expect(stripe.webhook!.eventId(input('not an object'))).toBeUndefined();
  });

  it('orders events about one object by created, whatever order they arrive in', () => {
    const later = { ...STRIPE_SETUP_INTENT_CREATED, id: 'evt_2', created: 1686089990, type: 'setup_intent.succeeded' };
    expect(map(later)[0]!.version).toBeGreaterThan(map(STRIPE_SETUP_INTENT_CREATED)[0]!.version);
  });

  it('marks deleted objects, and records events about objects without an id once, by event id', () => {
    const deleted = {
      ...STRIPE_SETUP_INTENT_CREATED,
      type: 'customer.deleted',
      data: { object: { id: 'cus_1', object: 'customer' } },
    };
    expect(map(deleted)[0]).toMatchObject({ type: 'customer', key: 'cus_1', data: { deleted: true } });
    const balance = {
      ...STRIPE_SETUP_INTENT_CREATED,
      type: 'balance.available',
      data: { object: { object: 'balance', available: [] } },
    };
    expect(map(balance)[0]).toMatchObject({ type: 'event:balance.available', key: 'evt_1NG8Du2eZvKYlo2CUI79vXWy' });
  });

  it('rejects a payload that is not a Stripe event as invalid_payload', () => {
    expect(thrownKind(() => map({ id: 'evt_1', object: 'event', type: 'x' }))).toBe('invalid_payload');
    expect(thrownKind(() => map({ ...STRIPE_SETUP_INTENT_CREATED, created: '1686089970' }))).toBe('invalid_payload');
    expect(thrownKind(() => map([]))).toBe('invalid_payload');
  });

  it('pins the API version and authenticates with the secret key', () => {
    expect(stripe.apiVersion).toEqual({ value: expect.any(String), in: 'header', header: 'Stripe-Version' });
    expect(stripe.auth).toEqual({ kind: 'bearer', secret: 'secretKey' });
    expect(stripe.secrets).toContain(stripe.webhook!.secret);
  });
});
