import { describe, expect, it } from 'vitest';
import { recordKey } from '../../lambdas/core/records';
import { seeded } from '../../local/chaos/random';
import { foundIn, passed, type ChaosFigures } from '../../local/chaos/verify';
import { planWebhooks } from '../../local/chaos/webhook-plan';
import { getProvider, providers } from '../../lambdas/providers';
import { webhookBody, webhookSenders } from '../../local/chaos/webhook-payloads';
import { planWrites } from '../../local/chaos/writes';

const senders = webhookSenders(providers);
const opts = { senders, events: 400, toleranceMs: 300_000, replayMarginMs: 20_000, oversized: 0 };

describe('the chaos scenario is a function of its seed', () => {
  it('the same seed plans the same deliveries, expected records and commands; another seed others', () => {
    const a = planWebhooks(seeded(11).fork('webhooks'), opts);
    const b = planWebhooks(seeded(11).fork('webhooks'), opts);
    expect(b.deliveries).toEqual(a.deliveries);
    expect([...b.expected]).toEqual([...a.expected]);
    expect(planWrites(seeded(11).fork('writes'), 50)).toEqual(planWrites(seeded(11).fork('writes'), 50));
    expect(planWebhooks(seeded(12).fork('webhooks'), opts).deliveries).not.toEqual(a.deliveries);
  });

  it('expects each entity at the highest version of its valid events, from every provider, with every fault kind planned', () => {
    const plan = planWebhooks(seeded(3).fork('webhooks'), { ...opts, oversized: 1 });
    const valid = plan.events.filter((e) => !e.poison);
    expect(valid).toHaveLength(400);
    for (const e of valid)
      expect(plan.expected.get(recordKey(e.provider, e.type, e.key))!.version).toBeGreaterThanOrEqual(e.version);
    expect(new Set([...plan.expected.values()].map((x) => x.provider))).toEqual(new Set(senders.map((s) => s.name)));
    expect(new Set(plan.deliveries.map((d) => d.kind))).toEqual(
      new Set(['first', 'duplicate', 'replay', 'forged-secret', 'forged-tamper', 'stale', 'malformed', 'oversized']),
    );
    expect(plan.deliveries.at(-1)!.kind).toBe('replay');
    expect(plan.outOfOrderEntities).toBeGreaterThan(0);
  });

  it('builds bodies that carry the event ids and versions the expectations are about', () => {
    const plan = planWebhooks(seeded(5).fork('webhooks'), opts);
    for (const sender of senders) {
      const e = plan.events.find((x) => x.provider === sender.name && !x.poison)!;
      const { body, headers } = webhookBody(sender, e);
      // The id the ingest reads from the delivery (Shopify's is composed of shop, topic and event id).
      const input = { headers, rawBody: body, body: JSON.parse(body) as unknown };
      expect(getProvider(sender.name)!.webhook!.eventId(input)).toBe(e.eventId);
    }
  });
});

describe('the figures can fail', () => {
  const ok: ChaosFigures = {
    events_sent: 10,
    events_applied: 9,
    lost: 0,
    duplicated: 0,
    stale_overwrites: 0,
    forged_sent: 3,
    forged_accepted: 0,
    poison_in_dlq_with_reason: 1,
    records_expected: 5,
    records_found: 5,
    writes_expected: 2,
    provider_resources_found: 2,
    secrets_found_in_logs: 0,
  };

  it.each([
    ['lost', { lost: 1 }],
    ['duplicated', { duplicated: 1 }],
    ['stale_overwrites', { stale_overwrites: 1 }],
    ['forged_accepted', { forged_accepted: 1 }],
    ['secrets_found_in_logs', { secrets_found_in_logs: 1 }],
    ['records_found', { records_found: 4 }],
    ['provider_resources_found', { provider_resources_found: 3 }],
  ])('fails on %s', (_name, change) => {
    expect(passed(ok)).toBe(true);
    expect(passed({ ...ok, ...change })).toBe(false);
  });

  it('finds a signature digest or secret anywhere in log text, also inside a longer run of characters', () => {
    const digest = 'a3f1c9e07b2d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab';
    const lines = ['{"message":"ok","trace_id":"abc"}', `{"header":"sha256=${digest}"}`];
    expect(foundIn(lines.join('\n'), [digest, 'ffffffffffffffffffffffffffffffff'])).toEqual([digest]);
    expect(foundIn('{"message":"nothing here"}', [digest])).toEqual([]);
  });
});
