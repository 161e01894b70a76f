import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { providers } from '../../../lambdas/providers';
import { stripe } from '../../../lambdas/providers/stripe';
import { stripeErrorCode } from '../../../lambdas/providers/stripe';
import { STRIPE_REF_METADATA } from '../../../lambdas/providers/stripe-writes';
import { trello } from '../../../lambdas/providers/trello';
import { hasMarker, trelloMarker, withMarker } from '../../../lambdas/providers/trello-writes';
import { clientSecretNames } from '../../../lib/auth-secrets';

const ops = (def: typeof stripe) => def.writes!;

describe('every write operation is complete', () => {
  for (const def of providers.filter((p) => p.writes)) {
    for (const [name, op] of Object.entries(def.writes!)) {
      it(`${def.name} ${name}: a ref-keyed input, and what its mode and strategy need`, () => {
        const issues = z.safeParse(op.input, {}).error?.issues ?? [];
        expect(issues.map((i) => i.path.join('.'))).toContain('ref');
        if (op.mode === 'create') expect(op.create && op.idFrom).toBeTruthy();
        if (op.reconcile.strategy === 'idempotency-key') expect(def.idempotencyKeyHeader).toBeTruthy();
      });
    }
  }
});

describe('Stripe customers', () => {
  const input = { ref: 'user-1', email: 'ann@example.com', name: 'Ann', metadata: { plan: 'pro' } };

  it('form-encodes the customer with metadata[...] and our id in the metadata', () => {
    expect(ops(stripe).createCustomer!.create!(input)).toEqual({
      method: 'POST',
      path: '/customers',
      operation: 'POST /v1/customers',
      form: {
        email: 'ann@example.com',
        name: 'Ann',
        'metadata[plan]': 'pro',
        [`metadata[${STRIPE_REF_METADATA}]`]: 'user-1',
      },
    });
  });

  it('updates with POST /v1/customers/{id}, without reading first', () => {
    expect(ops(stripe).updateCustomer!.read).toBeUndefined();
    expect(stripe.baseUrl).toMatch(/\/v1$/);
    expect(ops(stripe).updateCustomer!.update(input, 'cus_123', undefined)).toMatchObject({
      method: 'POST',
      path: '/customers/cus_123',
    });
  });

  it('reads the id only from a customer object', () => {
    expect(ops(stripe).createCustomer!.idFrom!({ id: 'cus_1', object: 'customer' })).toBe('cus_1');
    expect(ops(stripe).createCustomer!.idFrom!({ id: 'cus_1', object: 'list' })).toBeUndefined();
  });

  it("names Stripe's error by its code, or its type when there is no code", () => {
    expect(stripeErrorCode({ error: { type: 'idempotency_error', message: '...' } })).toBe('idempotency_error');
    expect(stripeErrorCode({ error: { type: 'invalid_request_error', code: 'idempotency_key_in_use' } })).toBe(
      'idempotency_key_in_use',
    );
    expect(stripeErrorCode('<html>')).toBeUndefined();
  });

  it('refuses an update with nothing to change, and a metadata key Stripe would not take', () => {
    expect(z.safeParse(ops(stripe).updateCustomer!.input, { ref: 'user-1' }).success).toBe(false);
    expect(z.safeParse(ops(stripe).createCustomer!.input, { ref: 'user-1', metadata: { 'a[b]': 'x' } }).success).toBe(
      false,
    );
  });
});

describe('Trello cards', () => {
  const card = {
    name: 'Ticket',
    desc: withMarker('Broken export', 'T-1'),
    idList: 'a'.repeat(24),
    due: '2025-01-01T10:00:00.000Z',
    closed: false,
  };
  const update = ops(trello).updateCard!.update;

  it('puts the marker on its own line after the description', () => {
    expect(withMarker('Broken export', 'T-1')).toBe('Broken export\n\n[integration-ref: T-1]');
    expect(withMarker(undefined, 'T-1')).toBe(trelloMarker('T-1'));
  });

  it('matches the marker as a whole line, so T-1 never finds T-12', () => {
    expect(hasMarker(withMarker('x', 'T-1'), 'T-1')).toBe(true);
    expect(hasMarker(withMarker('x', 'T-12'), 'T-1')).toBe(false);
    expect(hasMarker(`see ${trelloMarker('T-1')} here`, 'T-1')).toBe(false);
    expect(hasMarker(undefined, 'T-1')).toBe(false);
  });

  it('sends only the fields that differ, with due dates compared as instants', () => {
    expect(update({ ref: 'T-1', name: 'Ticket', due: '2025-01-01T10:00:00Z' }, 'c1', card)).toBeUndefined();
    expect(update({ ref: 'T-1', name: 'Renamed', closed: false }, 'c1', card)).toEqual({
      method: 'PUT',
      path: '/cards/c1',
      form: { name: 'Renamed' },
      operation: 'PUT /1/cards/{id}',
    });
    expect(update({ ref: 'T-1', due: null }, 'c1', card)!.form).toEqual({ due: '' });
    expect(update({ ref: 'T-1', desc: 'Fixed' }, 'c1', card)!.form).toEqual({ desc: withMarker('Fixed', 'T-1') });
  });

  it('reads the fields it compares before an update', () => {
    expect(ops(trello).updateCard!.read!('c1')).toMatchObject({
      path: '/cards/c1',
      query: { fields: 'name,desc,idList,due,closed' },
    });
  });
});

describe('which secrets a writer may read', () => {
  it("is the provider's client credentials, never its webhook secret", () => {
    expect(clientSecretNames(stripe)).toEqual(['secretKey']);
    expect(clientSecretNames(trello)).toEqual(['apiKey', 'token']);
    expect(clientSecretNames({ ...trello, auth: { kind: 'none' }, baseUrl: 'https://{shop}.example.com' })).toEqual([
      'shop',
    ]);
  });
});
