import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillPlan } from '../../local/chaos/backfill';
import { verify, type VerifyInput } from '../../local/chaos/verify';
import type { ChaosEvent } from '../../local/chaos/webhook-payloads';
import type { WebhookPlan } from '../../local/chaos/webhook-plan';
import { startDynamo, type LocalDynamo } from '../../local/dynamo';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => dynamo.close());

const ev = (eventId: string, key: string, version: number, poison = false): ChaosEvent => ({
  provider: 'stripe',
  eventId,
  type: 'setup_intent',
  key,
  version,
  poison,
});
const put = (pk: string, version: number, eventId: string) =>
  dynamo.doc.send(new PutCommand({ TableName: 'records', Item: { pk, version, eventId, data: '{}' } }));
const processed = (eventId: string, written: number) =>
  JSON.stringify({ message: 'event processed', event_id: eventId, written });

// The comparison itself, on a hand-made final state: each figure counts what it says.
describe('chaos verification against a final state', () => {
  it('counts a stale record, a lost event, a double application, an accepted forgery and a leaked secret', async () => {
    const events = [
      ev('e1', 'a', 1000),
      ev('e2', 'a', 2000),
      ev('e3', 'b', 1000),
      ev('e4', 'c', 1000),
      ev('p1', 'a', 9000, true),
    ];
    const webhooks: WebhookPlan = {
      events,
      deliveries: [
        ...events.map((event, id) => ({ id, kind: 'first' as const, event, expect: 'accepted' as const })),
        { id: 5, kind: 'forged-secret', event: ev('f1', 'c', 5000), expect: 401 },
      ],
      expected: new Map([
        ['stripe#setup_intent#a', { provider: 'stripe', version: 2000, eventId: 'e2' }],
        ['stripe#setup_intent#b', { provider: 'stripe', version: 1000, eventId: 'e3' }],
        ['stripe#setup_intent#c', { provider: 'stripe', version: 1000, eventId: 'e4' }],
      ]),
      rejectedEventIds: new Set(['f1']),
      outOfOrderEntities: 0,
    };
    await put('stripe#setup_intent#a', 1000, 'e1'); // e2 was overwritten by an older one
    await put('stripe#setup_intent#b', 1000, 'e3');
    await put('stripe#setup_intent#c', 5000, 'f1'); // a forged event got in
    const input: VerifyInput = {
      webhooks,
      sent: [
        ...webhooks.deliveries.map((d) => ({
          id: d.id,
          kind: d.kind,
          expect: d.expect,
          statuses: [200],
          accepted: true,
        })),
      ],
      writes: { first: [], second: [], refs: { stripe: ['r1'], trello: [] } },
      commandsSent: [],
      commandOutcome: async () => undefined,
      backfill: { from: 0, to: 0, pages: 0, expected: new Set(), invalid: new Set() } as BackfillPlan,
      doc: dynamo.doc,
      tables: { records: 'records', quarantine: 'quarantine' },
      webhookDlqs: {},
      commandDlqs: {},
      resources: new Map([['r1', 2]]),
      logLines: [
        processed('e1', 1),
        processed('e3', 1),
        processed('e3', 1),
        '{"message":"oops","value":"whsec_0123456789abcdef"}',
      ],
      secrets: ['whsec_0123456789abcdef'],
      signatures: new Set(),
    };
    const { figures, details } = await verify(input);
    expect(figures).toMatchObject({
      events_sent: 5,
      events_applied: 2,
      lost: 2, // e2 (a is at 1000) and the poison p1, dead-lettered nowhere
      duplicated: 2, // e3 written twice, and a second resource for r1
      stale_overwrites: 1,
      forged_sent: 1,
      forged_accepted: 2, // answered 2xx, and its id in a record
      records_expected: 3,
      records_found: 1,
      writes_expected: 1,
      provider_resources_found: 1,
      secrets_found_in_logs: 1,
    });
    expect(details.unexpectedAnswers).toEqual([{ kind: 'forged-secret', expect: '401', statuses: [200] }]);
  });
});
