import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArchive } from '../../lambdas/core/archive';
import { IntegrationError } from '../../lambdas/core/errors';
import { ATTR } from '../../lambdas/core/event-message';
import { github, sampleGithubIssue } from '../../lambdas/providers/github';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { signAs } from '../../local/sign';
import type { LocalStack } from '../../local/stack';
import { dlq, dlqText } from '../../bin/ops/dlq';
import { main } from '../../bin/ops/main';
import { LocalOpsTarget } from '../../bin/ops/local-target';
import { redrive } from '../../bin/ops/redrive';
import { replay } from '../../bin/ops/replay';
import type { LogCapture } from '../helpers/log-capture';
import { runCli } from '../helpers/cli';
import { testStack, until } from '../helpers/local-stack';

// Mappings an operator "fixes" during a test: broken ones drop events silently or reject them.
const mapping = { dropsEvents: true, rejectsEvents: true };
const mapfix: ProviderDefinition = {
  ...github,
  name: 'mapfix',
  webhook: { ...github.webhook!, map: (event) => (mapping.dropsEvents ? [] : github.webhook!.map(event)) },
};
const strict: ProviderDefinition = {
  ...github,
  name: 'strict',
  webhook: {
    ...github.webhook!,
    map: (event) => {
      if (mapping.rejectsEvents) throw new IntegrationError('invalid_payload', 'issue.labels is not supported yet');
      return github.webhook!.map(event);
    },
  },
};

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;
let ops: LocalOpsTarget;

beforeAll(async () => {
  ({ stack, logs, close } = await testStack({ providers: [github, mapfix, strict] }));
  ops = new LocalOpsTarget(
    { url: stack.url, adminUrl: stack.adminUrl, dynamoEndpoint: stack.dynamo.endpoint, pid: process.pid },
    stack.dataDir,
  );
});
afterAll(async () => close());

async function deliver(provider: string, body: unknown, headers: Record<string, string> = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const signed = signAs('github', raw, await stack.secrets.get(provider, 'webhookSecret'), {
    headers: { 'x-github-event': 'issues', ...headers },
  });
  const res = await fetch(`${stack.url}/webhooks/${provider}`, {
    method: 'POST',
    headers: signed.headers,
    body: signed.body,
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    deliveryId: signed.headers['x-github-delivery']!,
  };
}

const record = (provider: string, n: number) => stack.records.get(provider, 'issue', `Codertocat/Hello-World#${n}`);

describe('big payloads', () => {
  it('carries a webhook above the SQS limit through the blob store to its record (claim check)', async () => {
    // GitHub's `edited` action carries the previous text in changes.body.from; make it 1.5 MB.
    const payload = {
      ...sampleGithubIssue({ number: 101, action: 'edited', title: 'big one' }),
      changes: { body: { from: 'x'.repeat(1_500_000) } },
    };
    const res = await deliver('github', payload);
    expect(res.status).toBe(200);
    const stored = await until(() => record('github', 101), 'record of the big webhook');
    expect(stored.data.title).toBe('big one');
    const payloads = await stack.blobs.list('payloads/github/');
    expect(payloads.length).toBeGreaterThanOrEqual(1);
    expect((await stack.blobs.get(payloads[0]!)).length).toBeGreaterThan(1_500_000);
    // The archive points at the claim-checked body instead of copying it.
    const archived = (
      await readArchive(stack.blobs, 'github', new Date(Date.now() - 60_000), new Date(Date.now() + 60_000))
    ).find((e) => e.eventId === res.deliveryId);
    expect(archived).toMatchObject({ bodyRef: payloads[0] });
    expect(archived?.body).toBeUndefined();
  });

  it('answers 413 above the API payload limit and above the ingest limit, 500 as AWS past the invoke limit', async () => {
    const before = logs.logs('webhook accepted').length;
    const post = (bytes: number) =>
      fetch(`${stack.url}/webhooks/github`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"pad":"${'x'.repeat(bytes)}"}`,
      });
    expect((await post(10 * 1024 * 1024)).status).toBe(413);
    // 5.5 MB: its event fits Lambda's 6,291,456 bytes, and the ingest function answers its own 413.
    const overIngest = await post(5.5 * 1024 * 1024);
    expect(overIngest.status).toBe(413);
    expect(await overIngest.json()).toEqual({ error: 'payload_too_large' });
    // 6 MiB passes API Gateway's 10 MB but its event does not fit an invoke: API Gateway answers 500, no code runs.
    const sixMb = await post(6 * 1024 * 1024);
    expect(sixMb.status).toBe(500);
    expect(await sixMb.json()).toEqual({ message: 'Internal Server Error' });
    expect(logs.logs('webhook accepted').length).toBe(before);
  });
});

describe('archive and replay', () => {
  it('archives every accepted event with provider, event id, receipt time and body', async () => {
    const started = Date.now();
    const res = await deliver('github', sampleGithubIssue({ number: 102, updatedAt: '2024-05-01T10:00:00Z' }));
    await until(() => record('github', 102), 'record');
    const entries = await readArchive(stack.blobs, 'github', new Date(started - 1000), new Date(Date.now() + 1000));
    const entry = entries.find((e) => e.eventId === res.deliveryId);
    expect(entry).toMatchObject({
      provider: 'github',
      eventId: res.deliveryId,
      headers: { 'x-github-event': 'issues' },
    });
    expect(entry!.receivedAt).toBeGreaterThanOrEqual(started - 1000);
    expect(JSON.parse(entry!.body!).issue.number).toBe(102);
    expect(logs.metric('EventsArchived', { provider: 'github' })).toBeGreaterThanOrEqual(1);
  });

  it('replays a time range after a mapping fix: missing records appear, newer ones are never rolled back', async () => {
    const from = new Date(Date.now() - 1);
    const a = await deliver('mapfix', sampleGithubIssue({ number: 1, title: 'a', updatedAt: '2024-05-01T10:00:00Z' }));
    const b = await deliver(
      'mapfix',
      sampleGithubIssue({ number: 2, title: 'b-old', updatedAt: '2024-05-01T10:00:00Z' }),
    );
    await stack.drained();
    // The broken mapping processed both and wrote nothing.
    expect(
      logs.logs('event processed').filter((l) => l.event_id === a.deliveryId || l.event_id === b.deliveryId),
    ).toHaveLength(2);
    expect(await record('mapfix', 1)).toBeUndefined();

    mapping.dropsEvents = false;
    await deliver('mapfix', sampleGithubIssue({ number: 2, title: 'b-new', updatedAt: '2024-05-02T10:00:00Z' }));
    await until(() => record('mapfix', 2), 'newer record of #2');
    const to = new Date(Date.now() + 1);

    const result = await replay(ops, 'mapfix', { from, to, now: new Date() });
    expect(result).toMatchObject({ found: 3, enqueued: 3 });
    await stack.drained();
    expect((await until(() => record('mapfix', 1), 'replayed #1'))?.data.title).toBe('a');
    expect((await record('mapfix', 2))?.data.title).toBe('b-new');
    expect(logs.metric('StaleSkipped', { provider: 'mapfix' })).toBe(1);

    // The same replay message delivered twice (SQS is at least once) is applied once.
    const again = logs.logs('event already processed, skipped').length;
    const [entry] = (await readArchive(stack.blobs, 'mapfix', from, to)).filter((e) => e.eventId === a.deliveryId);
    await ops.enqueue('mapfix', [
      {
        body: entry!.body!,
        attributes: {
          [ATTR.provider]: 'mapfix',
          [ATTR.eventId]: entry!.eventId,
          [ATTR.receivedAt]: String(entry!.receivedAt),
          [ATTR.headers]: JSON.stringify(entry!.headers),
          [ATTR.replay]: result.replayId,
        },
      },
    ]);
    await stack.drained();
    expect(logs.logs('event already processed, skipped').length).toBe(again + 1);
  });

  it('counts without enqueuing on a dry run', async () => {
    await stack.drained();
    // Whatever a consumed message logs (processed, skipped as a duplicate or stale) names its provider and event.
    const handled = () => logs.logs().filter((l) => l.provider === 'mapfix' && l.event_id !== undefined).length;
    const before = handled();
    const r = await replay(ops, 'mapfix', {
      from: new Date(Date.now() - 3_600_000),
      to: new Date(Date.now() + 1000),
      now: new Date(),
      dryRun: true,
    });
    expect(r.found).toBeGreaterThanOrEqual(3);
    expect(r.enqueued).toBe(0);
    await stack.drained();
    expect(handled()).toBe(before);
  });
});

describe('dead letters: list and redrive', () => {
  it('lists dead-lettered messages with their reasons, and redrive gets them processed after the fix', async () => {
    const res = await deliver('strict', sampleGithubIssue({ number: 5, title: 'was rejected' }));
    const listed = await until(async () => {
      const r = await dlq(ops, { provider: 'strict', kind: 'webhooks' }, { limit: 10 });
      return r.count > 0 ? r : undefined;
    }, 'dead letter');
    expect(listed.messages[0]).toMatchObject({
      eventId: res.deliveryId,
      failureKind: 'invalid_payload',
      failureReason: 'issue.labels is not supported yet',
      receiveCount: '1',
    });
    expect(dlqText(listed)).toContain('invalid_payload after 1 attempt(s): issue.labels is not supported yet');

    mapping.rejectsEvents = false;
    const moved = await redrive(ops, { provider: 'strict', kind: 'webhooks' }, { wait: true });
    expect(moved).toMatchObject({ moved: 1, status: 'COMPLETED' });
    expect((await until(() => record('strict', 5), 'redriven record'))?.data.title).toBe('was rejected');
    expect((await dlq(ops, { provider: 'strict', kind: 'webhooks' }, { limit: 10 })).count).toBe(0);
  });

  it('works from the command line (its main) against the running stack, with --json', async () => {
    writeFileSync(
      join(stack.dataDir, 'stack.json'),
      JSON.stringify({
        url: stack.url,
        dynamoEndpoint: stack.dynamo.endpoint,
        adminUrl: stack.adminUrl,
        pid: process.pid,
      }),
    );
    const run = (...args: string[]) => runCli(main, [...args, '--data-dir', stack.dataDir]);
    const { stdout } = await run('redrive', 'github', '--json');
    expect(JSON.parse(stdout)).toMatchObject({ provider: 'github', moved: expect.any(Number), status: 'COMPLETED' });
    const text = await run('dlq', 'github');
    expect(text.stdout).toMatch(/dead-lettered message\(s\) listed from the github webhooks DLQ on local stack/);
  });
});
