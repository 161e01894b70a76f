import { describe, expect, it } from 'vitest';
import { DRILL_PROVIDERS } from '../../local/chaos/drill/plan';
import { drillTable, HAS_RECOVERY } from '../../local/chaos/drill/figures';
import { runOutageDrill } from '../../local/chaos/drill/run';
import { chaosTable } from '../../local/chaos/report';
import { runChaos } from '../../local/chaos/run';

// The chaos run of `npm run chaos`, shorter: a few hundred events, every fault kind, the same checks.
describe('a short seeded chaos run', () => {
  it('loses nothing, duplicates nothing, lets nothing forged in, logs no secret, and routes write once', async () => {
    const result = await runChaos({
      seed: 7,
      events: 300,
      writes: 40,
      pages: 30,
      oversized: 1,
      replayMarginMs: 8000,
      visibilityTimeoutMs: 12_000,
    });
    const f = result.figures;
    if (!result.pass) console.log(chaosTable(result));
    expect({
      lost: f.lost,
      duplicated: f.duplicated,
      stale_overwrites: f.stale_overwrites,
      forged_accepted: f.forged_accepted,
      secrets_found_in_logs: f.secrets_found_in_logs,
    }).toEqual({
      lost: 0,
      duplicated: 0,
      stale_overwrites: 0,
      forged_accepted: 0,
      secrets_found_in_logs: 0,
    });
    expect(f.records_found).toBe(f.records_expected);
    expect(f.provider_resources_found).toBe(f.writes_expected);
    // Every event applied or dead-lettered with its reason; every fault kind was exercised.
    expect(f.events_applied).toBe(f.events_sent - result.details.poisonSent);
    expect(f.poison_in_dlq_with_reason).toBe(result.details.poisonSent + result.details.quarantined);
    expect(result.details.unexpectedAnswers).toEqual([]);
    expect(result.details.unexpectedDeadLetters).toEqual([]);
    expect(f.forged_sent).toBeGreaterThan(0);
    expect(result.stats.dynamo.failed).toBeGreaterThan(0);
    expect(result.stats.dynamo.surfaced).toBeGreaterThan(0);
    expect(result.stats.dynamo.crashes).toBeGreaterThan(0);
    // Routes: every matched change written once at the provider, through duplicate deliveries, a replay and faults.
    expect(result.routes.map((r) => r.route)).toEqual(['football-ft-to-slack', 'github-bug-to-trello']);
    for (const r of result.routes) {
      expect(r.changes_matched, r.route).toBeGreaterThan(0);
      expect([r.commands_sent, r.provider_writes, r.duplicated], r.route).toEqual([
        r.changes_matched,
        r.changes_matched,
        0,
      ]);
      expect(r.resources_found, r.route).toBe(r.refs);
    }
    expect(result.routes[0]!.changes_matched).toBe(result.routes[0]!.expected);
    expect(result.stats.changes.replayed).toBeGreaterThanOrEqual(result.stats.changes.published);
    expect(result.stats.simulatorFaults.slack).toBeDefined();
    expect(result.pass).toBe(true);
  }, 120_000);

  it('the outage drill: no loss where the provider has a recovery API, honest loss where it has none', async () => {
    const drill = await runOutageDrill({ seed: 7 });
    if (!drill.pass) console.log(drillTable(drill.figures));
    for (const provider of DRILL_PROVIDERS) {
      const f = drill.figures[provider];
      expect(f.sent, provider).toBeGreaterThan(0);
      expect(f.delivered + f.recovered + f.superseded + f.lost, provider).toBe(f.sent);
      expect({ duplicated: f.duplicated, stale: f.stale }, provider).toEqual({ duplicated: 0, stale: 0 });
      if (HAS_RECOVERY[provider]) expect(f.lost, provider).toBe(0);
    }
    // The outages cost something: GitHub (no retries) and Trello (3 quick ones) needed recovery, and Slack lost events.
    expect(drill.figures.github.recovered).toBeGreaterThan(0);
    expect(drill.figures.trello.recovered).toBeGreaterThan(0);
    expect(drill.figures.slack.lost).toBeGreaterThan(0);
    // Shopify retries for 4 hours, past both outages: its deliveries count as delivered (by their webhook id).
    expect(drill.figures.shopify.delivered).toBeGreaterThan(0);
    expect(drill.edge).toMatchObject({ 503: expect.any(Number), 429: expect.any(Number) });
    expect(drill.simulatedHours).toBeGreaterThanOrEqual(6);
    expect(drill.recovery.failed).toBe(0);
    expect(drill.pass).toBe(true);
  }, 120_000);
});
