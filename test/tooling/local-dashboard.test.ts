import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { github, sampleGithubIssue } from '../../lambdas/providers/github';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { IntegrationStack } from '../../lib/integration-stack';
import { stageConfig } from '../../lib/stages';
import { startDemo } from '../../local/demo';
import { githubWebhookDemo } from '../../local/demo/github-webhooks';
import type { DashboardState } from '../../local/observability/monitor';
import { signAs } from '../../local/sign';
import type { LocalStack } from '../../local/stack';
import type { LogCapture } from '../helpers/log-capture';
import { testStack, until } from '../helpers/local-stack';

// A provider whose ingest crashes (its event id cannot be read), to drive Lambda errors and API 5xx.
const crashing: ProviderDefinition = {
  ...github,
  name: 'crashing',
  webhook: {
    ...github.webhook!,
    eventId: () => {
      throw new Error('bug in eventId');
    },
  },
};

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;

let cdkAlarms: string[];
beforeAll(async () => {
  // The CDK stack of the same providers, unbundled; synthesized first, as it holds the event loop the stack runs on.
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const cdkStack = new IntegrationStack(app, 'Cdk', { providers: [github, crashing], stage: stageConfig('dev') });
  cdkAlarms = Object.values(Template.fromStack(cdkStack).findResources('AWS::CloudWatch::Alarm')).map(
    (a) => a.Properties.AlarmName as string,
  );
  // x300: a 5-minute period lasts 1 s, a 1-minute period 0.2 s.
  // Recovery too (unscheduled), as the CDK stack has it for every provider with recoveries.
  ({ stack, logs, close } = await testStack({
    providers: [github, crashing],
    observability: { timeScale: 300 },
    recovery: { autoStart: false },
  }));
});
afterAll(async () => close());

const state = async (): Promise<DashboardState> =>
  (await fetch(`${stack.url}/_dashboard/state`)).json() as Promise<DashboardState>;
const alarmState = async (key: string) => (await state()).alarms.find((a) => a.key === key)?.state;

async function send(provider: string, body: unknown, secret?: string): Promise<number> {
  const key = secret ?? (await stack.secrets.get(provider, 'webhookSecret'));
  const signed = signAs('github', JSON.stringify(body), key, { headers: { 'x-github-event': 'issues' } });
  const res = await fetch(`${stack.url}/webhooks/${provider}`, {
    method: 'POST',
    headers: signed.headers,
    body: signed.body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Sends with `send` until the alarm is in `target`, then returns how many it took. */
async function driveUntil(key: string, target: 'ALARM' | 'OK', sendOne?: () => Promise<unknown>): Promise<number> {
  let sent = 0;
  await until(async () => {
    if (sendOne) {
      await sendOne();
      sent += 1;
    }
    return (await alarmState(key)) === target || undefined;
  }, `${key} ${target}`);
  return sent;
}

describe('local dashboard', () => {
  it('serves the page, uPlot from node_modules, and the runbooks the alarms link to', async () => {
    const page = await fetch(`${stack.url}/_dashboard`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/_dashboard/assets/uPlot.iife.min.js');
    const lib = await fetch(`${stack.url}/_dashboard/assets/uPlot.iife.min.js`);
    expect([lib.status, lib.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    const s = await state();
    const runbook = await fetch(`${stack.url}${s.alarms.find((a) => a.id === 'signature-rejections')!.runbookUrl}`);
    expect(await runbook.text()).toContain('# Webhook signature rejections');
    expect((await fetch(`${stack.url}/_dashboard/runbooks/..%2Fpackage.json`)).status).toBe(404);
  });

  it('lists the same alarms per provider the CDK stack creates', async () => {
    // A CDK alarm `<stack>-<rule>-<scope>` is the local `<rule>:<scope>`.
    const cdk = cdkAlarms.map((name) => name.replace(/^Cdk-/, ''));
    const local = (await state()).alarms.map((a) => a.key.replace(':', '-'));
    for (const provider of ['github', 'crashing']) {
      const of = (names: string[]) => names.filter((n) => new RegExp(`-${provider}(-|$)`).test(n)).sort();
      expect(of(local).length, provider).toBeGreaterThanOrEqual(12);
      expect(of(local), provider).toEqual(of(cdk));
    }
    expect(local).toContain('api-5xx-rate-api');
  });

  it('fires signature-rejections on forged webhooks, logs it with the runbook, and clears when they stop', async () => {
    // Four at a time, so a slow machine still packs more than 10 into one period.
    const sent = await driveUntil('signature-rejections:github', 'ALARM', () =>
      Promise.all([1, 2, 3, 4].map(() => send('github', sampleGithubIssue(), 'forged-secret'))),
    );
    expect(sent * 4).toBeGreaterThan(10);
    expect(
      logs
        .logs('alarm fired')
        .some(
          (e) => e.alarm === 'signature-rejections:github' && e.runbook === 'docs/runbooks/signature-rejections.md',
        ),
    ).toBe(true);
    await driveUntil('signature-rejections:github', 'OK');
    expect(logs.logs('alarm cleared').some((e) => e.alarm === 'signature-rejections:github')).toBe(true);
  });

  it('fires webhook-dlq-not-empty for a poison webhook, and clears once the DLQ is emptied', async () => {
    expect(await send('github', { action: 'opened', repository: { id: 1, full_name: 'a/b' } })).toBe(200);
    await driveUntil('webhook-dlq-not-empty:github', 'ALARM');
    for (const m of stack.queues.github!.dlq.list()) stack.queues.github!.dlq.remove(m.messageId);
    await driveUntil('webhook-dlq-not-empty:github', 'OK');
  });

  it('fires lambda-errors when the ingest function crashes, counting the API 5xx it causes', async () => {
    await driveUntil('lambda-errors:crashing-ingest', 'ALARM', async () =>
      expect(await send('crashing', sampleGithubIssue())).toBe(500),
    );
    const s = await state();
    expect(s.alarms.find((a) => a.key === 'lambda-errors:github-ingest')!.state).toBe('OK');
  });

  it('charts webhooks received and rejected, queue depths and lag, one value per bucket', async () => {
    expect(await send('github', sampleGithubIssue({ number: 42 }))).toBe(200);
    await stack.drained();
    const s = await state();
    const chart = (id: string) => s.charts.find((c) => c.id === id)!;
    const labels = (id: string) => chart(id).series.map((x) => x.label);
    expect(labels('webhooks')).toEqual(
      expect.arrayContaining(['github received', 'github signature rejected', 'github dead-lettered']),
    );
    expect(labels('queues')).toEqual(expect.arrayContaining(['github-webhooks', 'github-webhooks-dlq']));
    expect(labels('lag')).toContain('github p95 event lag');
    for (const c of s.charts) for (const series of c.series) expect(series.values).toHaveLength(s.times.length);
  });

  it('serves state version 2: every version-1 field, plus a one-line headline and the alarms counted per provider', async () => {
    const s = await state();
    expect(s.version).toBe(2);
    for (const field of ['now', 'timeScale', 'bucketMs', 'refreshMs', 'times', 'charts', 'alarms'])
      expect(s, field).toHaveProperty(field);
    const firing = s.alarms.filter((a) => a.state === 'ALARM');
    expect(s.summary).toMatchObject({ firing: firing.length, total: s.alarms.length });
    expect(s.summary.headline).toEqual(
      firing.length === 0 ? `All ${s.alarms.length} alarms OK` : expect.stringMatching(/^\d+ alarms? firing: /),
    );
    const github = s.summary.providers.find((p) => p.provider === 'github')!;
    expect(github.ok + github.firing).toBe(s.alarms.filter((a) => a.provider === 'github').length);
    // Every alarm belongs to a provider but the API's own.
    expect(s.alarms.filter((a) => !a.provider).map((a) => a.key)).toEqual(['api-5xx-rate:api']);
  });

  it('runs demo traffic: signed webhooks accepted, an occasional forged one rejected', async () => {
    let n = 0;
    // Every third delivery forged, deterministically.
    const demo = startDemo(stack, [githubWebhookDemo({ intervalMs: 5, forgedEvery: 3, burstEveryMs: 0 })], {
      random: () => [0.9, 0.9, 0.1][n++ % 3]!,
    });
    const accepted = logs.logs('webhook accepted').length;
    const rejected = logs.logs('webhook signature rejected').length;
    await until(
      () =>
        (logs.logs('webhook accepted').length >= accepted + 4 &&
          logs.logs('webhook signature rejected').length >= rejected + 2) ||
        undefined,
      'demo traffic',
    );
    await demo.stop();
    expect(demo.drivers).toEqual(['github-webhooks']);
  });
});
