import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../local/demo';
import { commandsDemo } from '../../local/demo/commands';
import { footballFaultsDemo } from '../../local/demo/football-faults';
import { providerWebhooksDemo } from '../../local/demo/provider-webhooks';
import { routesDemo } from '../../local/demo/routes';
import { SLACK_SEED } from '../../local/simulators/slack';
import type { DashboardState } from '../../local/observability/monitor';
import type { LocalStack } from '../../local/stack';
import type { LogCapture } from '../helpers/log-capture';
import { testStack, until } from '../helpers/local-stack';

const DAY = 86_400_000;
let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;

beforeAll(async () => {
  // x300: a one-minute alarm period lasts 0.2 s.
  ({ stack, logs, close } = await testStack({
    polls: { autoStart: false, startBackMs: DAY },
    observability: { timeScale: 300 },
  }));
});
afterAll(async () => close());

const alarm = async (key: string) =>
  ((await (await fetch(`${stack.url}/_dashboard/state`)).json()) as DashboardState).alarms.find((a) => a.key === key)
    ?.state;
/** A random source that plays `values` in a loop: deterministic drivers. */
const playing = (values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('demo drivers', () => {
  it('sends signed webhooks from the other providers in turn, with a duplicate and a late, older delivery now and then', async () => {
    // 0.01: the next one repeats this delivery; 0.99: an older one follows; 0.5: a plain one.
    const demo = startDemo(stack, [providerWebhooksDemo({ intervalMs: 5, duplicateEvery: 4, outOfOrderEvery: 4 })], {
      random: playing([0.01, 0.99, 0.5]),
    });
    const accepted = () => new Set(logs.logs('webhook accepted').map((e) => e.provider));
    await until(
      () =>
        ['slack', 'stripe', 'shopify', 'trello', 'standard'].every((p) => accepted().has(p)) &&
        logs.metric('DuplicatesSkipped', { provider: 'shopify', operation: 'webhook' }) +
          logs.metric('DuplicatesSkipped', { provider: 'stripe', operation: 'webhook' }) >
          0
          ? true
          : undefined,
      'every provider and a duplicate',
    );
    await until(
      () =>
        logs.metric('StaleSkipped', { provider: 'stripe', operation: 'webhook' }) +
          logs.metric('StaleSkipped', { provider: 'trello', operation: 'webhook' }) >
        0
          ? true
          : undefined,
      'a stale, late delivery',
    );
    await demo.stop();
    expect(logs.logs('webhook signature rejected').filter((e) => e.provider !== 'github')).toEqual([]);
  });

  it('sends Stripe and Trello commands through POST /commands, creating then updating our ids', async () => {
    const demo = startDemo(stack, [commandsDemo({ intervalMs: 5, refs: 1 })], { random: () => 0 });
    await until(
      () => (new Set(logs.logs('command done').map((e) => `${e.provider} ${e.action}`)).size >= 3 ? true : undefined),
      'commands created and updated',
    );
    await demo.stop();
    const done = new Set(logs.logs('command done').map((e) => e.provider));
    expect([...done].sort()).toEqual(['stripe', 'trello']);
  });

  // Before the football faults: their 5xx burst leaves the client's circuit open for a while.
  it('shows the routes: a GitHub issue opened with the label bug makes one Trello card, a fixture finishing one Slack post', async () => {
    const say: string[] = [];
    const demo = startDemo(stack, [routesDemo({ everyMs: 50, firstAfterMs: 1 })], {
      say: (m) => say.push(m),
      random: () => 0.5,
    });
    const slack = stack.writes.simulators.slack!;
    const trello = stack.writes.simulators.trello!;
    const posts = () => slack.messages.get(SLACK_SEED.channels.results)!.filter((m) => m.metadata);
    await until(
      () => (posts().length >= 1 && trello.cardsWith('github-issue:').length >= 1 ? true : undefined),
      'a post and a card',
    );
    await demo.stop();
    await stack.drained();
    expect(say[0]).toContain('GitHub issue #1000 opened with the label bug');
    expect(say[1]).toMatch(/fixture \d+ finished 2-1: the football-ft-to-slack route posts one Slack message/);
    // One card per issue and one post per fixture, however many times the demo ran.
    const refs = (list: string[]) => list.length === new Set(list).size;
    expect(refs(trello.cardsWith('github-issue:').map((c) => c.desc.split('\n').at(-1)!))).toBe(true);
    expect(refs(posts().map((m) => String(m.metadata!.event_payload.ref)))).toBe(true);
    expect(posts()[0]!.text).toMatch(/^FT: .+ 2-1 .+/);
  });

  it('puts faults on the football simulator through /_faults, one episode at a time, and clears them', async () => {
    await stack.polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' });
    const say: string[] = [];
    const demo = startDemo(
      stack,
      [footballFaultsDemo({ everyMs: 20, firstAfterMs: 1, episodes: ['429-storm', 'schema-drift', '5xx-burst'] })],
      { say: (m) => say.push(m) },
    );
    await until(() => (logs.metric('Http429', { provider: 'football' }) > 0 ? true : undefined), 'the 429 storm');
    await until(() => (logs.metric('SchemaDrift', { provider: 'football' }) > 0 ? true : undefined), 'schema drift');
    await until(
      async () => ((await alarm('circuit-open:football')) === 'ALARM' ? true : undefined),
      'the circuit-open alarm',
    );
    await demo.stop();
    await until(async () => ((await alarm('circuit-open:football')) === 'OK' ? true : undefined), 'the alarm to clear');
    expect(say).toEqual([
      expect.stringContaining('429 storm'),
      expect.stringContaining('schema drift'),
      expect.stringContaining('5xx burst'),
    ]);
    const faults = (await (await fetch(`${stack.polls!.simulators.football!.url}/_faults`)).json()) as {
      rules: unknown[];
      football?: unknown;
    };
    expect(faults).toEqual({ rules: [] });
  });
});
