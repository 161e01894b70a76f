import { describe, expect, it } from 'vitest';
import { archivedEvents, eventOutcome, eventTypeOf } from '../../lambdas/core/event-history';
import { redriveText } from '../../bin/ops/redrive';
import { missedRun } from '../../lambdas/core/scheduler-dead-letter';
import { redrivePhases } from '../../lambdas/core/writes';
import type { ExternalId } from '../../lambdas/core/writes';
import { trello } from '../../lambdas/providers/trello';

describe('missedRun', () => {
  // Lambda's on-failure record (the event in requestPayload) and Scheduler's dead letter (the event as the body).
  it.each([
    [
      'a poll, from Lambda',
      '{"requestPayload":{"provider":"football","poll":"fixtures"},"responsePayload":{"errorType":"Error","errorMessage":"boom"}}',
      {},
      { provider: 'football', kind: 'poll', name: 'fixtures', reason: 'Error: boom' },
    ],
    [
      'a poll, from Scheduler',
      '{"provider":"football","poll":"fixtures"}',
      { ERROR_CODE: 'Throttled', ERROR_MESSAGE: 'slow down' },
      { provider: 'football', kind: 'poll', name: 'fixtures', reason: 'Throttled: slow down' },
    ],
    [
      'a recovery, from Lambda',
      '{"requestPayload":{"provider":"github","recovery":"deliveries"},"responsePayload":{"errorType":"IntegrationError","errorMessage":"auth"}}',
      {},
      { provider: 'github', kind: 'recovery', name: 'deliveries', reason: 'IntegrationError: auth' },
    ],
    [
      'a recovery, from Scheduler',
      '{"provider":"stripe","recovery":"events"}',
      { ERROR_CODE: 'AWS.Lambda.ResourceNotFound' },
      { provider: 'stripe', kind: 'recovery', name: 'events', reason: 'AWS.Lambda.ResourceNotFound' },
    ],
  ])('reads %s', (_, body, attributes, run) => {
    expect(missedRun(body, attributes)).toEqual(run);
  });

  it.each(['not json', '{"something":"else"}', '{"provider":"github","recovery":7}'])(
    'reads no run from %s',
    (body) => {
      expect(missedRun(body)).toBeUndefined();
    },
  );
});

describe('event history', () => {
  it("names an event's type as its provider does", () => {
    expect(eventTypeOf({ 'x-github-event': 'issues' }, '{"action":"opened"}')).toBe('issues.opened');
    expect(eventTypeOf({ 'x-shopify-topic': 'orders/create' }, '{}')).toBe('orders/create');
    expect(eventTypeOf({}, '{"type":"event_callback","event":{"type":"message"}}')).toBe('message');
    expect(eventTypeOf({}, '{"action":{"type":"updateCard"}}')).toBe('updateCard');
    expect(eventTypeOf({}, '{"type":"customer.updated"}')).toBe('customer.updated');
    expect(eventTypeOf({}, 'not json')).toBeUndefined();
  });

  it('counts deliveries (receipts) and receives (archived copies) per event', () => {
    const copy = (eventId: string, receivedAt: number) => ({
      provider: 'stripe',
      eventId,
      traceId: eventId,
      receivedAt,
      headers: {},
      body: '{"type":"x"}',
    });
    const events = archivedEvents([copy('a', 1), copy('a', 1), copy('a', 5), copy('b', 2)]);
    expect(events.map((e) => [e.eventId, e.receivedAt, e.deliveries, e.receives])).toEqual([
      ['a', 1, 2, 3],
      ['b', 2, 1, 1],
    ]);
  });

  it('tells the outcome from the DLQ first, then the idempotency record', () => {
    const dl = {
      messageId: 'm',
      sentAt: 0,
      bodyBytes: 2,
      attributes: { failureKind: 'invalid_payload', failureReason: 'bad', receiveCount: '1' },
    };
    expect(eventOutcome({ deadLetter: dl })).toEqual({
      status: 'dead-lettered',
      kind: 'invalid_payload',
      reason: 'bad',
      attempts: 1,
    });
    const seen = (stored: 'this event' | 'another event' | 'missing', storedVersion?: number) => ({
      version: 5,
      stored,
      storedVersion,
    });
    expect(eventOutcome({ records: [seen('this event', 5), seen('another event', 9)] })).toEqual({
      status: 'processed',
      written: 1,
      stale: 1,
      duplicate: 0,
    });
    expect(eventOutcome({ records: [seen('another event', 9)] }).status).toBe('stale');
    expect(eventOutcome({ records: [seen('another event', 5)] }).status).toBe('duplicate');
    // Missing or older: the processor has not written it yet.
    expect(eventOutcome({ records: [seen('this event', 5), seen('missing')] }).status).toBe('unknown');
    expect(eventOutcome({ records: [seen('another event', 4)] }).status).toBe('unknown');
    expect(eventOutcome({}).status).toBe('unknown');
  });
});

describe('redrivePhases', () => {
  const idList = '5f3c0a1b2c3d4e5f60718294';
  const body = (commandId: string, operation: string, input: unknown) =>
    JSON.stringify({ commandId, provider: 'trello', operation, input });
  const claims = new Map<string, ExternalId>([
    [
      'T-1',
      {
        provider: 'trello',
        entity: 'card',
        ref: 'T-1',
        state: 'creating',
        owner: 'c-1',
        unconfirmed: 1,
        updatedAt: '',
      },
    ],
  ]);
  const externalIds = { get: async (k: { ref: string }) => claims.get(k.ref) };
  const registry = (name: string) => (name === 'trello' ? trello : undefined);

  it('puts back first the creates that hold their claim, then every other command', async () => {
    const phases = await redrivePhases(
      [
        { messageId: 'm-update', body: body('u-1', 'updateCard', { ref: 'T-1', name: 'b' }) },
        { messageId: 'm-other-create', body: body('c-2', 'createCard', { ref: 'T-1', idList, name: 'twin' }) },
        { messageId: 'm-create', body: body('c-1', 'createCard', { ref: 'T-1', idList, name: 'a' }) },
        { messageId: 'm-junk', body: 'not a command' },
      ],
      { registry, externalIds },
    );
    expect(phases.claims).toEqual([{ messageId: 'm-create', commandId: 'c-1' }]);
    expect(phases.rest.map((r) => r.messageId)).toEqual(['m-update', 'm-other-create', 'm-junk']);
  });
});

describe('redriveText for missed runs', () => {
  const base = { where: 'the local stack', provider: 'github', queue: 'recovery' as const, status: 'DRY_RUN' };

  it('counts what a dry run would settle, and says what each run would do', () => {
    const text = redriveText({
      ...base,
      dryRun: true,
      moved: 0,
      recoveries: [
        { recovery: 'deliveries', messages: 2, ok: true },
        { recovery: '?', messages: 1, ok: false, error: 'not a recovery event' },
      ],
    });
    expect(text.split('\n')).toEqual([
      'would settle 2 message(s) of the github recovery DLQ by running the missed recoveries on the local stack',
      '  github/deliveries: 2 message(s), would run it again',
      '  github/?: 1 message(s), would be kept: not a recovery event',
    ]);
  });

  it('says which runs failed and kept their messages', () => {
    const text = redriveText({
      ...base,
      dryRun: false,
      moved: 0,
      status: 'FAILED',
      recoveries: [{ recovery: 'deliveries', messages: 1, ok: false, error: 'auth: token revoked' }],
    });
    expect(text).toContain('settled 0 message(s) of the github recovery DLQ');
    expect(text).toContain('github/deliveries: 1 message(s), run failed, messages kept: auth: token revoked');
  });
});
