import { describe, expect, it } from 'vitest';
import {
  standard,
  standardWebhooks,
  STANDARD_CONTACT_CREATED,
  STANDARD_EXAMPLE_EVENT,
  STANDARD_MESSAGE_ID,
} from '../../../lambdas/providers/standard';
import { thrownKind, webhookEvent } from '../../helpers/webhook-event';

const map = (body: unknown) => standard.webhook!.map(webhookEvent('standard', body, { eventId: STANDARD_MESSAGE_ID }));

describe('standard webhooks mapping', () => {
  it("keys the spec's contact.created example by type and data.id, versioned by its timestamp", () => {
    expect(map(STANDARD_CONTACT_CREATED)[0]).toMatchObject({
      type: 'contact',
      key: '1f81eb52-5198-4599-803e-771906343485',
      version: Date.parse('2022-11-03T20:26:10.344522Z'),
      data: { fullName: 'John Smith', event_type: 'contact.created' },
    });
  });

  it('reads data squashed into the top level too, as the spec allows', () => {
    const { data, ...rest } = STANDARD_CONTACT_CREATED;
    expect(map({ ...rest, ...data, type: 'contact.created' })[0]).toMatchObject({ type: 'contact', key: data.id });
  });

  it("keeps the spec's example.event (no id) once, by webhook-id", () => {
    expect(map(STANDARD_EXAMPLE_EVENT)[0]).toMatchObject({ type: 'event:example.event', key: STANDARD_MESSAGE_ID });
  });

  it('takes the event id from webhook-id, the event time from the payload timestamp (else the header)', () => {
    const input = (body: unknown) => ({
      headers: { 'webhook-id': STANDARD_MESSAGE_ID, 'webhook-timestamp': '1674087231' },
      rawBody: '',
      body,
    });
    expect(standard.webhook!.eventId(input(STANDARD_CONTACT_CREATED))).toBe(STANDARD_MESSAGE_ID);
    expect(standard.webhook!.eventTime!(input(STANDARD_CONTACT_CREATED))).toBe(
      Date.parse('2022-11-03T20:26:10.344522Z'),
    );
    expect(standard.webhook!.eventTime!(input('x'))).toBe(1674087231000);
  });

  it('rejects a payload without type or timestamp as invalid_payload', () => {
    expect(thrownKind(() => map({ data: { id: 1 } }))).toBe('invalid_payload');
    expect(thrownKind(() => map({ ...STANDARD_CONTACT_CREATED, timestamp: 'now' }))).toBe('invalid_payload');
  });

  it('defines any other Standard Webhooks sender in one line', () => {
    const acme = standardWebhooks({ name: 'acme', displayName: 'Acme', toleranceSeconds: 600 });
    expect(acme.webhook).toMatchObject({ scheme: 'standard-webhooks', secret: 'webhookSecret', toleranceSeconds: 600 });
  });
});
