import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandsDemo } from '../../local/demo/commands';
import { providerWebhooksDemo } from '../../local/demo/provider-webhooks';
import { startDemo } from '../../local/demo';
import { prng } from '../../local/simulators/dataset';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { until } from '../helpers/local-stack';

const dataDir = mkdtempSync(join(tmpdir(), 'restart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Every alarm that fired, from the line the local stack logs as SNS would page. */
const fired: string[] = [];
const sink = (line: string) => {
  if (!line.includes('"alarm fired"')) return;
  fired.push(String((JSON.parse(line) as { alarm?: string }).alarm));
};

/** As `npm start` runs it (data kept in the folder), on an ephemeral port, alarm periods a second long. */
const start = () =>
  startLocalStack({
    port: 0,
    dataDir,
    // Well above a batch's time on a loaded machine (nothing redelivered early), short enough for a claim's retry.
    visibilityTimeoutMs: 3000,
    sink,
    observability: { timeScale: 60, tickMs: 50 },
  });

/** Runs the demo's commands and webhooks until `commands` commands have settled, then stops the demo. */
async function demo(stack: LocalStack, commands: number): Promise<void> {
  const traffic = startDemo(
    stack,
    [commandsDemo({ intervalMs: 30, refs: 2 }), providerWebhooksDemo({ intervalMs: 40 })],
    { random: prng(7) },
  );
  const settled = async () => {
    const all = [...(await stack.writes.commands.list('stripe')), ...(await stack.writes.commands.list('trello'))];
    return all.filter((c) => c.status === 'succeeded' || c.status === 'failed').length >= commands || undefined;
  };
  await until(settled, `${commands} settled commands`);
  await traffic.stop();
  await stack.drained();
}

const dlqDepths = (stack: LocalStack) => ({
  webhooks: Object.values(stack.queues).reduce((n, q) => n + q.dlq.depth().total, 0),
  commands: Object.values(stack.writes.queues).reduce((n, q) => n + q.dlq.depth().total, 0),
});

describe('npm start twice on one data folder', () => {
  it('updates what the first run created: no command dead-letters, no DLQ fills, no alarm fires', async () => {
    const first = await start();
    await demo(first, 6);
    expect(dlqDepths(first)).toEqual({ webhooks: 0, commands: 0 });
    await first.stop();
    expect(existsSync(join(dataDir, 'simulators', 'trello.json'))).toBe(true);
    expect(existsSync(join(dataDir, 'simulators', 'stripe.json'))).toBe(true);

    const second = await start();
    try {
      // The same two refs per provider: every command of this run updates a card or customer of the first run.
      await demo(second, 16);
      const outcomes = [
        ...(await second.writes.commands.list('stripe')),
        ...(await second.writes.commands.list('trello')),
      ];
      expect(outcomes.filter((c) => c.status === 'failed').map((c) => c.lastError)).toEqual([]);
      expect(outcomes.some((c) => c.action === 'updated' || c.action === 'unchanged')).toBe(true);
      expect(dlqDepths(second)).toEqual({ webhooks: 0, commands: 0 });
      // Until the monitor's clock is two one-second periods past the traffic, so every alarm has judged it.
      const after = second.monitor.state().now + 2_500;
      await until(() => second.monitor.state().now > after || undefined, 'two alarm periods');
      expect(
        second.monitor
          .alarms()
          .filter((a) => a.state === 'ALARM')
          .map((a) => a.key),
      ).toEqual([]);
      expect(fired).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});
