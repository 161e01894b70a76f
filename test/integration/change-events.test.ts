import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opsMain } from '../../bin/ops/main';
import { providers } from '../../lambdas/providers';
import { runCli } from '../helpers/cli';
import { routeCommandId } from '../../lambdas/core/routes/route';
import { secretValues } from '../../lambdas/core/secret-values';
import { sampleGithubIssue } from '../../lambdas/providers/github';
import { readArchive } from '../../local/event-bus';
import { postDelivery, signAs } from '../../local/sign';
import type { FootballSimulator } from '../../local/simulators/football';
import { SLACK_SEED } from '../../local/simulators/slack';
import { TRELLO_SEED } from '../../local/simulators/trello';
import type { LocalStack } from '../../local/stack';
import type { LogCapture } from '../helpers/log-capture';
import { testStack, until } from '../helpers/local-stack';

const DAY = 86_400_000;
let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, logs, close } = await testStack({ polls: { autoStart: false, startBackMs: DAY } }));
  // What `npm start` writes for the ops CLI.
  const running = { url: stack.url, dynamoEndpoint: stack.dynamo.endpoint, adminUrl: stack.adminUrl, pid: process.pid };
  writeFileSync(join(stack.dataDir, 'stack.json'), JSON.stringify(running));
});
afterAll(async () => close());

const archive = () => readArchive(stack.changes.archiveFile);
const cardsFor = (key: string) => stack.writes.simulators.trello!.cardsWith(`[integration-ref: github-issue:${key}]`);

async function sendIssue(number: number, opts: { labels?: string[]; title?: string; updatedAt: string }) {
  const secret = secretValues(await stack.secrets.get('github', 'webhookSecret'))[0]!;
  const body = sampleGithubIssue({ number, title: opts.title ?? `Issue ${number}`, updatedAt: opts.updatedAt });
  if (opts.labels)
    (body.issue as { labels: unknown[] }).labels = opts.labels.map((name) => ({ name, color: 'd73a4a' }));
  const signed = signAs('github', JSON.stringify(body), secret, {
    headers: { 'x-github-event': 'issues', 'x-github-delivery': `delivery-${number}-${opts.updatedAt}` },
  });
  expect(await postDelivery(stack.url, 'github', signed)).toBe(200);
  await stack.drained();
}

describe('change events on the local stack (the records table stream, emulated: dynalite has none)', () => {
  it('publishes one event per record created or changed, none for a duplicate or stale delivery', async () => {
    await sendIssue(101, { labels: ['docs'], updatedAt: '2025-01-06T10:00:00Z' });
    await sendIssue(101, { labels: ['docs'], updatedAt: '2025-01-06T10:00:00Z' });
    await sendIssue(101, { labels: ['docs'], title: 'Renamed', updatedAt: '2025-01-06T11:00:00Z' });
    await sendIssue(101, { labels: ['docs'], title: 'Older', updatedAt: '2025-01-06T09:00:00Z' });
    const events = archive().filter((e) => e.detail.key === 'Codertocat/Hello-World#101');
    expect(events.map((e) => [e.source, e['detail-type'], e.detail.version])).toEqual([
      ['integration.github', 'issue.created', Date.parse('2025-01-06T10:00:00Z')],
      ['integration.github', 'issue.changed', Date.parse('2025-01-06T11:00:00Z')],
    ]);
    expect(events[1]!.detail.changed).toMatchObject({
      title: { from: 'Issue 101', to: 'Renamed' },
      updated_at: { from: '2025-01-06T10:00:00Z', to: '2025-01-06T11:00:00Z' },
    });
    expect(logs.metric('ChangesPublished', { provider: 'github' })).toBeGreaterThanOrEqual(2);
  });

  it('routes a GitHub issue opened with the label bug to one Trello card, and only once', async () => {
    await sendIssue(102, { labels: ['bug'], title: 'Export breaks', updatedAt: '2025-01-06T10:00:00Z' });
    await sendIssue(102, { labels: ['bug', 'ui'], title: 'Export breaks', updatedAt: '2025-01-06T12:00:00Z' });
    const [card, ...more] = cardsFor('Codertocat/Hello-World#102');
    expect(more).toEqual([]);
    expect(card).toMatchObject({ name: 'Export breaks', idList: TRELLO_SEED.lists.todo });
    const created = archive().find((e) => e.detail.key === 'Codertocat/Hello-World#102')!;
    const command = await stack.writes.commands.get(
      'trello',
      routeCommandId('github-bug-to-trello', created.detail.eventId),
    );
    expect(command).toMatchObject({ status: 'succeeded', action: 'created', correlationId: created.detail.eventId });
    // An issue labelled bug later gets its card then.
    await sendIssue(101, { labels: ['docs', 'bug'], title: 'Renamed', updatedAt: '2025-01-06T13:00:00Z' });
    expect(cardsFor('Codertocat/Hello-World#101')).toHaveLength(1);
  });

  it('routes a fixture finishing (FT) to one Slack message; a fixture first seen finished posts nothing', async () => {
    const sim = stack.polls!.simulators.football as FootballSimulator;
    const today = new Date().toISOString().slice(0, 10);
    const fixture = sim.fixturesOn(today)[0]!;
    const status = (short: string, long: string) => (f: Record<string, unknown>) => ({
      ...f,
      fixture: { ...(f.fixture as object), status: { short, long, elapsed: short === 'FT' ? 90 : 70 } },
      goals: { home: 2, away: 1 },
    });
    sim.edit(fixture.id, status('2H', 'Second Half'));
    await stack.polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' });
    await stack.drained();
    const slack = stack.writes.simulators.slack!;
    const before = slack.messages.get(SLACK_SEED.channels.results)!.length;
    sim.edit(fixture.id, status('FT', 'Match Finished'));
    await stack.polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' });
    await stack.drained();
    await until(() => (slack.messages.get(SLACK_SEED.channels.results)!.length > before ? true : undefined), 'a post');
    const key = `${fixture.id}#${today}`;
    const [post, ...more] = slack.messagesWithRef(`ft:${key}`);
    expect(more).toEqual([]);
    expect(post!.text).toMatch(/^FT: .+ 2-1 .+ \(.+\)$/);
    const changed = archive().filter((e) => e.detail.key === key && e['detail-type'] === 'fixture.changed');
    expect(changed.at(-1)!.detail.changed['fixture.status.short']).toEqual({ from: '2H', to: 'FT' });
    // A poll that finds nothing new writes nothing, so publishes nothing.
    const count = archive().length;
    await stack.polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' });
    await stack.drained();
    expect(archive().filter((e) => e.detail.key === key)).toHaveLength(changed.length + 1);
    expect(archive().length).toBeLessThanOrEqual(count + 5);
  });

  it('replaying the archive makes the same commands: no second card, no second message', async () => {
    const slack = stack.writes.simulators.slack!;
    const posts = [...slack.messages.values()].flat().length;
    const cards = stack.writes.simulators.trello!.cards.size;
    const replayed = await stack.changes.bus.replay();
    expect(replayed).toBe(archive().length);
    await stack.drained();
    expect([...slack.messages.values()].flat().length).toBe(posts);
    expect(stack.writes.simulators.trello!.cards.size).toBe(cards);
    expect(logs.logs('command already done, skipped').length).toBeGreaterThan(0);
  });

  it('dead-letters a command the target refuses (a bug issue without a title) with the reason; the DLQ has its alarm', async () => {
    await sendIssue(103, { labels: ['bug'], title: '', updatedAt: '2025-01-06T10:00:00Z' });
    const [dead] = stack.changes.dlq.list();
    expect(dead!.attributes).toMatchObject({ provider: 'trello', failureKind: 'permanent' });
    expect(dead!.attributes.failureReason).toContain('input.name');
    expect(JSON.parse(dead!.body)).toMatchObject({ stage: 'route', route: 'github-bug-to-trello', status: 400 });
    expect(cardsFor('Codertocat/Hello-World#103')).toEqual([]);
    expect(stack.monitor.state().alarms.find((a) => a.id === 'change-dlq-not-empty')).toMatchObject({
      provider: 'changes',
    });
  });

  it("shows each route's matches and the latest events on the dashboard's change events section", async () => {
    const view = (await (await fetch(`${stack.url}/_dashboard/changes`)).json()) as ReturnType<
      typeof stack.changes.view
    >;
    const bugs = view.routes.find((r) => r.name === 'github-bug-to-trello')!;
    expect(bugs).toMatchObject({ on: 'github issue', does: 'trello createCard', refused: 1 });
    expect(bugs.queued).toBeGreaterThanOrEqual(2);
    expect(view.recent[0]).toMatchObject({ detailType: expect.stringMatching(/\.(created|changed)$/) });
  });
});

describe('npm run ops -- changes', () => {
  const ops = opsMain(providers);
  const run = (...args: string[]) => runCli(ops, ['changes', ...args, '--data-dir', stack.dataDir]);

  it('lists change events from the archive, by provider, type and time', async () => {
    const all = await run('github', '--json');
    expect(all.code).toBe(0);
    const events = JSON.parse(all.stdout) as { source: string }[];
    expect(events.length).toBeGreaterThan(3);
    expect(new Set(events.map((e) => e.source))).toEqual(new Set(['integration.github']));
    const text = await run('github', '--type', 'issue', '--since', '2000-01-01T00:00:00Z', '--limit', '2');
    expect(text.stdout.trim().split('\n').at(-1)).toBe('2 change event(s)');
    expect(text.stdout).toMatch(/issue\.(created|changed)\s+\tgithub\tCodertocat\/Hello-World#\d+\tv=\d+/);
    expect((await run('--since', '2999-01-01T00:00:00Z')).stdout.trim()).toBe('0 change event(s)');
  });

  it('lists the change DLQ with reasons, and replays the archive to the routes without writing twice', async () => {
    const dlq = await run('--dlq');
    expect(dlq.stdout).toContain('permanent: route github-bug-to-trello: trello refused the command (400');
    const cards = stack.writes.simulators.trello!.cards.size;
    const replay = await run('--replay', 'github', '--json');
    expect(JSON.parse(replay.stdout).replayed).toBeGreaterThan(3);
    await stack.drained();
    expect(stack.writes.simulators.trello!.cards.size).toBe(cards);
  });

  it('deletes the change DLQ as it lists it: --dry-run keeps it, --message-id one, then the rest', async () => {
    // The replay above answered once the routes ran: the untitled issue's change was refused again by then.
    const ids = stack.changes.dlq.list().map((m) => m.messageId);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    // The admin API deletes only ids it is given: never "everything", which would take a message listed by no one.
    const unnamed = await fetch(`${stack.adminUrl}/_local/changes/dlq/delete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unnamed.status).toBe(400);
    const dry = await run('--dlq', '--delete', '--dry-run');
    expect(dry.stdout).toContain(ids[0]);
    expect(dry.stdout.trim().split('\n').at(-1)).toBe(`would delete ${ids.length} message(s) from the change DLQ`);
    expect(stack.changes.dlq.depth().total).toBe(ids.length);
    const missing = await run('--dlq', '--delete', '--message-id', 'no-such-message');
    expect([missing.code, missing.stdout.trim().split('\n').at(-1)]).toEqual([
      1,
      'no message no-such-message in the change DLQ',
    ]);
    const one = JSON.parse((await run('--dlq', '--delete', '--message-id', ids[0]!, '--json')).stdout);
    expect(one).toMatchObject({ dryRun: false, deleted: 1, messages: [{ messageId: ids[0] }] });
    expect(stack.changes.dlq.list().map((m) => m.messageId)).toEqual(ids.slice(1));
    const rest = await run('--dlq', '--delete');
    expect([rest.code, rest.stdout.trim().split('\n').at(-1)]).toEqual([
      0,
      `deleted ${ids.length - 1} message(s) from the change DLQ`,
    ]);
    expect(stack.changes.dlq.depth().total).toBe(0);
    expect((await run('--dlq')).stdout.trim()).toBe('0 change(s) in the change DLQ');
  });

  it('refuses a bad --since, --delete without --dlq, a lone --message-id, and --aws, with one line and the usage', async () => {
    expect((await run('--since', 'yesterday')).code).toBe(2);
    const first = async (...args: string[]) => {
      const r = await run(...args);
      return [r.code, r.stderr.split('\n')[0]];
    };
    expect(await first('--delete')).toEqual([2, '--delete deletes from the change DLQ: add --dlq']);
    expect(await first('--dlq', '--message-id', 'x')).toEqual([2, '--message-id goes with --dlq --delete']);
    expect(await first('--dlq', '--dry-run')).toEqual([2, '--dry-run goes with --dlq --delete']);
    expect(await first('--aws')).toEqual([2, 'changes acts on the local stack only: drop --aws']);
  });
});
