import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { github, sampleGithubIssue } from '../../lambdas/providers/github';
import { stripe } from '../../lambdas/providers/stripe';
import { sendCommand } from '../../bin/ops/commands';
import type { DashboardState } from '../../local/observability/monitor';
import { postDelivery, signAs } from '../../local/sign';
import type { LocalStack } from '../../local/stack';
import { testStack, until } from '../helpers/local-stack';

// How each new rule is driven on a running local stack (what the runbook test does too).
let stack: LocalStack;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, close } = await testStack({
    providers: [github, stripe],
    // Each route takes 5 requests a second, bursts of 5: a burst of 30 gets 429s.
    throttle: { rateLimit: 5, burstLimit: 5 },
    // x600: a one-minute period lasts 100 ms, in which a loaded machine sends fewer than the 20 requests the 4xx
    // rate needs, so that minimum comes down. Queue ages are real seconds: the age threshold comes down to 1 s.
    observability: {
      timeScale: 600,
      alarms: {
        'api-route-4xx-rate': { minDenominator: 2 },
        'command-queue-backlog': { threshold: 2 },
        'command-queue-age': { threshold: 1 },
      },
    },
  }));
});
afterAll(async () => close());

const alarmState = async (key: string) =>
  ((await (await fetch(`${stack.url}/_dashboard/state`)).json()) as DashboardState).alarms.find((a) => a.key === key)
    ?.state;
const waitFor = (key: string, state: 'ALARM' | 'OK') =>
  until(async () => (await alarmState(key)) === state || undefined, `${key} ${state}`);

async function forged(): Promise<number> {
  const signed = signAs('github', JSON.stringify(sampleGithubIssue()), 'forged', {
    headers: { 'x-github-event': 'issues' },
  });
  return postDelivery(stack.url, 'github', signed);
}

describe('new on-call rules on the local stack', () => {
  it('fires api-route-throttled when a burst exceeds the route throttle, and clears 5 periods after', async () => {
    const statuses = await Promise.all(Array.from({ length: 30 }, forged));
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThan(0);
    await waitFor('api-route-throttled:github', 'ALARM');
    expect(await alarmState('api-route-throttled:stripe')).toBe('OK');
    await waitFor('api-route-throttled:github', 'OK');
  });

  it('fires api-route-4xx-rate under a sustained flood of junk, and clears once it stops', async () => {
    let flooding = true;
    const flood = (async () => {
      while (flooding) await Promise.all(Array.from({ length: 10 }, forged));
    })();
    try {
      await waitFor('api-route-4xx-rate:github', 'ALARM');
    } finally {
      flooding = false;
      await flood;
    }
    await waitFor('api-route-4xx-rate:github', 'OK');
  });

  it('fires command-queue-backlog and command-queue-age while the writer is held, and clears once it runs', async () => {
    await stack.writes.pause();
    for (let i = 0; i < 3; i += 1) {
      const sent = await sendCommand(stack.url, 'stripe', 'createCustomer', {
        ref: `U-${i}`,
        email: `u${i}@example.com`,
      });
      expect(sent.status).toBe(202);
    }
    await waitFor('command-queue-backlog:stripe', 'ALARM');
    await waitFor('command-queue-age:stripe', 'ALARM');
    stack.writes.start();
    await waitFor('command-queue-backlog:stripe', 'OK');
    await waitFor('command-queue-age:stripe', 'OK');
    expect(stack.writes.queues.stripe!.dlq.depth().total).toBe(0);
  });
});
