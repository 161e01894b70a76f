import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { sendCommand } from '../../bin/ops/commands';
import { archiveEntry, writeArchive } from '../../lambdas/core/archive';
import { ATTR, toQueueMessage } from '../../lambdas/core/event-message';
import type { Fault } from '../../local/simulators/faults';
import { CMD_ATTR, inputHash } from '../../lambdas/core/writes';
import { sampleGithubIssue } from '../../lambdas/providers/github';
import { postDelivery, signAs } from '../../local/sign';
import { TRELLO_SEED } from '../../local/simulators/trello';
import type { LocalStack } from '../../local/stack';
import type { ShellRun } from '../helpers/doc-commands';
import { allRecords } from '../helpers/all-records';
import { until } from '../helpers/local-stack';

/**
 * What the runbook test gives a condition: the running local stack (the commands find it as they find `npm start`'s)
 * and the ops CLI in process, for checks in JSON.
 */
export interface RunbookContext {
  stack: LocalStack;
  /** `npm run ops -- <argv> --json` in this process: its parsed output (throws unless it exits 0). */
  opsJson<T>(...argv: string[]): Promise<T>;
}

/**
 * An alarm's condition on the local stack: `drive` makes it true (and may name placeholder values the runbook's
 * commands need, such as the event id it dead-lettered), `repaired` checks, after the runbook's commands ran, that
 * they repaired it.
 */
export interface Condition {
  drive(ctx: RunbookContext): Promise<Record<string, string> | undefined>;
  repaired(ctx: RunbookContext, runs: ShellRun[]): Promise<void>;
}

/** One entry per runbook (docs/runbooks/<rule>.md): its condition, or why none runs locally; placeholders of its own. */
export interface RunbookEntry {
  condition?: Condition;
  /** Why the alarm's condition cannot be driven on the local stack (its commands still run and must exit 0). */
  noCondition?: string;
  placeholders?: Record<string, string | (() => string)>;
}

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Placeholders every runbook may use, unless its entry says otherwise. */
export const PLACEHOLDERS: Record<string, string | (() => string)> = {
  '<provider>': 'github',
  '<poll>': 'fixtures',
  // An hour around now: what on-call puts in for "when it happened".
  '<start>': () => iso(Date.now() - 60 * MINUTE),
  '<end>': () => iso(Date.now() + MINUTE),
};

/** A GitHub event that failed while a dependency was down, in the webhook DLQ with its reason: redriving it applies it. */
export const webhookDeadLetter: Condition = {
  async drive({ stack }) {
    const eventId = `runbook-${randomUUID()}`;
    const number = 900 + Math.floor(Math.random() * 99);
    const envelope = {
      provider: 'github',
      eventId,
      traceId: eventId,
      receivedAt: Date.now(),
      headers: { 'x-github-event': 'issues' },
      rawBody: JSON.stringify(sampleGithubIssue({ number, title: 'Runbook issue', updatedAt: iso(Date.now()) })),
    };
    const message = toQueueMessage(envelope);
    // The processor archived it on each of its 5 receives before it gave up.
    for (let i = 0; i < 5; i += 1)
      await writeArchive([archiveEntry(envelope)], { blobs: stack.blobs, newId: randomUUID });
    stack.queues.github!.dlq.put({
      body: message.body,
      attributes: {
        ...message.attributes,
        [ATTR.failureKind]: 'retryable',
        [ATTR.failureReason]: 'records table unavailable (runbook test)',
        [ATTR.receiveCount]: '5',
      },
    });
    return { '<event-id>': eventId, '<issue>': String(number) };
  },
  async repaired({ stack }) {
    await stack.drained();
    expect(stack.queues.github!.dlq.list().map((m) => m.attributes[ATTR.failureReason])).toEqual([]);
    const written = await allRecords(stack.records, 'github', 'issue');
    expect(written.some((r) => String(r.eventId).startsWith('runbook-'))).toBe(true);
  },
};

/**
 * A Trello create that lost its answer and holds its card's claim, and an update waiting for it, both dead-lettered:
 * the redrive runs the create first, then the update, and the card ends as the update says.
 */
export const commandDeadLetters: Condition = {
  async drive({ stack }) {
    const ref = `RB-${randomUUID().slice(0, 8)}`;
    const create = { commandId: `create-${ref}`, provider: 'trello', operation: 'createCard' };
    const update = { commandId: `update-${ref}`, provider: 'trello', operation: 'updateCard' };
    const inputs = {
      [create.commandId]: { ref, idList: TRELLO_SEED.lists.todo, name: 'Runbook card' },
      [update.commandId]: { ref, name: 'Runbook card, renamed' },
    };
    await stack.writes.externalIds.claim({ provider: 'trello', entity: 'card', ref }, create.commandId, new Date());
    for (const c of [update, create]) {
      const command = { ...c, input: inputs[c.commandId] };
      const base = { ...c, inputHash: inputHash(command), entity: 'card', ref };
      await stack.writes.commands.fail(
        base,
        'failed',
        { kind: 'retryable', message: 'retries exhausted' },
        1,
        new Date(),
      );
      stack.writes.queues.trello!.dlq.put({
        body: JSON.stringify(command),
        attributes: {
          [CMD_ATTR.provider]: 'trello',
          [CMD_ATTR.commandId]: c.commandId,
          [CMD_ATTR.operation]: c.operation,
          [ATTR.failureKind]: 'retryable',
          [ATTR.failureReason]: 'retries exhausted (runbook test)',
          [ATTR.receiveCount]: '5',
        },
      });
    }
    return { '<ref>': ref };
  },
  async repaired({ stack }) {
    await stack.drained();
    expect(stack.writes.queues.trello!.dlq.list().map((m) => m.attributes[ATTR.failureReason])).toEqual([]);
    const outcomes = await stack.writes.commands.list('trello');
    const mine = outcomes.filter((o) => o.commandId.includes('-RB-'));
    expect(mine.map((o) => o.status)).toEqual(mine.map(() => 'succeeded'));
    const cards = [...stack.writes.simulators.trello!.cards.values()];
    expect(cards.some((c) => c.name === 'Runbook card, renamed')).toBe(true);
  },
};

/** Lambda's on-failure record of a scheduled run that was refused (throttled). */
const refusedRun = (requestPayload: Record<string, string>) => ({
  body: JSON.stringify({
    version: '1.0',
    timestamp: iso(Date.now()),
    requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 1 },
    requestPayload,
    responsePayload: { errorType: 'TooManyRequestsException', errorMessage: 'Rate exceeded (runbook test)' },
  }),
  attributes: {},
});

/**
 * A football poll and a GitHub recovery the scheduler could not invoke, each in its DLQ: the redrives run them again
 * and delete them.
 */
export const schedulerDeadLetter: Condition = {
  async drive({ stack }) {
    await stack.polls!.dlq.send(refusedRun({ provider: 'football', poll: 'fixtures' }));
    await stack.recovery!.dlq.send(refusedRun({ provider: 'github', recovery: 'deliveries' }));
    return undefined;
  },
  async repaired({ stack }, runs) {
    expect(stack.polls!.dlq.depth().total).toBe(0);
    expect(stack.recovery!.dlq.depth().total).toBe(0);
    // The recovery's DLQ was listed with the missed run before the redrive emptied it.
    expect(runs.some((r) => r.output.includes('github/deliveries') && r.output.includes('Rate exceeded'))).toBe(true);
  },
};

/** The football API failing: the scheduled run fails its windows into gaps (and, with enough failures, opens the breaker); then it recovers. */
function footballOutage(fault: Fault): Condition['drive'] {
  return async ({ stack }) => {
    const sim = stack.polls!.simulators.football!;
    sim.faults.add(fault, { times: Number.POSITIVE_INFINITY });
    // A few scheduled runs: one right after a rate-limited run waits out its pause (a second here) first.
    for (let run = 0; run < 10; run += 1) {
      await stack.polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' }).catch(() => undefined);
      if ((await stack.polls!.state.gaps('football', 'fixtures')).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    sim.faults.clear();
    expect((await stack.polls!.state.gaps('football', 'fixtures')).length).toBeGreaterThan(0);
    return undefined;
  };
}

/** Gaps are closed once the runbook's sync ran. */
async function gapsClosed({ stack }: RunbookContext): Promise<void> {
  expect(await stack.polls!.state.gaps('football', 'fixtures')).toEqual([]);
}

/** Gaps the football API's failing answers left. */
export const footballGaps = (status: number): Condition => ({
  drive: footballOutage({ kind: 'status', status }),
  repaired: gapsClosed,
});

/** The football API rate-limiting every call for a moment (429, come back in a second): the run pauses; the sync after the reset leaves no gap. */
export const footballRateLimited: Condition = {
  async drive({ stack }) {
    const sim = stack.polls!.simulators.football!;
    sim.faults.add({ kind: 'status', status: 429, retryAfter: { seconds: 1 } }, { times: Number.POSITIVE_INFINITY });
    const run = await stack.polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' }).catch(() => undefined);
    sim.faults.clear();
    expect(sim.log().some((r) => r.status === 429)).toBe(true);
    // The runbook repairs "after the quota resets": a sync started before the pause the run stored would stop on it.
    await until(() => (Date.now() > (run?.resumeAt ?? 0) ? true : undefined), 'the rate limit to reset');
    return undefined;
  },
  repaired: gapsClosed,
};

/**
 * The football breaker opened on a 503 burst and the API is back: the runbook's sync drains the gaps, and the next
 * scheduled run (a probe, once the cool-down passed) closes the breaker, as `ops circuit` then shows.
 */
export const footballCircuitOpen: Condition = {
  async drive(ctx) {
    const sim = ctx.stack.polls!.simulators.football!;
    sim.faults.add({ kind: 'status', status: 503 }, { times: Number.POSITIVE_INFINITY });
    await until(async () => {
      await ctx.stack.polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' }).catch(() => undefined);
      const r = await ctx.opsJson<{ providers: { state: string }[] }>('circuit', 'football');
      return r.providers[0]?.state === 'open' || undefined;
    }, 'the football breaker open');
    sim.faults.clear();
    // The local dashboard shows the same breaker.
    const state = (await (await fetch(`${ctx.stack.url}/_dashboard/state`)).json()) as {
      circuits: { provider: string; state: string }[];
    };
    expect(state.circuits.find((c) => c.provider === 'football')?.state).toBe('open');
    return undefined;
  },
  async repaired(ctx) {
    await gapsClosed(ctx);
    type Report = { providers: { state: string; nextProbeAt?: number }[] };
    const open = await ctx.opsJson<Report>('circuit', 'football');
    // The next scheduled run after the cool-down is the probe.
    await until(() => (Date.now() >= (open.providers[0]?.nextProbeAt ?? 0) ? true : undefined), 'the cool-down');
    await ctx.stack.polls!.scheduler.invoke({ provider: 'football', poll: 'fixtures' });
    expect((await ctx.opsJson<Report>('circuit', 'football')).providers[0]?.state).toBe('closed');
  },
};

/** A burst of forged GitHub deliveries (401, nothing queued) among real ones, which the replay re-applies. */
export const signatureBurst: Condition = {
  async drive({ stack }) {
    const secret = await stack.secrets.get('github', 'webhookSecret');
    const post = async (signingSecret: string, n: number) => {
      const signed = signAs('github', JSON.stringify(sampleGithubIssue({ number: n })), signingSecret, {
        headers: { 'x-github-event': 'issues' },
      });
      return (
        await fetch(`${stack.url}/webhooks/github`, { method: 'POST', headers: signed.headers, body: signed.body })
      ).status;
    };
    const forged = await Promise.all(Array.from({ length: 12 }, (_, i) => post('not-the-secret', 800 + i)));
    expect(forged.every((s) => s === 401)).toBe(true);
    expect(await post(secret, 850)).toBe(200);
    await stack.drained();
    return undefined;
  },
  async repaired(_ctx, runs) {
    const replay = runs.find((r) => r.command.includes(' replay '));
    expect(replay?.output).toMatch(/re-enqueued [1-9]\d* of [1-9]\d* archived github event/);
  },
};

/** Slack says, in a signed delivery, that it rate-limits the app (docs.slack.dev, app_rate_limited): one SenderWarnings. */
export const slackRateLimited: Condition = {
  async drive({ stack }) {
    const body = JSON.stringify({
      token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
      type: 'app_rate_limited',
      team_id: 'T123456',
      minute_rate_limited: Math.floor(Date.now() / 60_000) * 60,
      api_app_id: 'A123456',
    });
    const signed = signAs('slack', body, await stack.secrets.get('slack', 'signingSecret'));
    const res = await fetch(`${stack.url}/webhooks/slack`, { method: 'POST', headers: signed.headers, body });
    expect(res.status).toBe(200);
    await stack.drained();
    return undefined;
  },
  async repaired(_ctx, runs) {
    // What the stack kept of Slack's deliveries shows the warning among them.
    expect(runs.find((r) => r.command.includes('records slack'))?.output).toMatch(/app_rate_limited/);
  },
};

/** A signed delivery as `npm run ops -- send github` sends it, and a forged one (401, nothing queued). */
async function postGithub(stack: LocalStack, signingSecret: string): Promise<number> {
  const signed = signAs('github', JSON.stringify(sampleGithubIssue()), signingSecret, {
    headers: { 'x-github-event': 'issues' },
  });
  return postDelivery(stack.url, 'github', signed);
}

/** The runbook's `ops send github` got through (202) and nothing of GitHub's is dead-lettered. */
async function githubDeliveryLands({ stack }: RunbookContext, runs: ShellRun[]): Promise<void> {
  const send = runs.find((r) => /ops -- send github\b/.test(r.command));
  expect(send?.output).toMatch(/^2\d\d /m);
  await stack.drained();
  expect(stack.queues.github!.dlq.list().map((m) => m.attributes[ATTR.failureReason])).toEqual([]);
}

/** A burst of forged deliveries past the GitHub route's throttle (the dev stage's, as `npm start` has it): 429s. */
export const routeThrottled: Condition = {
  async drive({ stack }) {
    const statuses = await Promise.all(Array.from({ length: 120 }, () => postGithub(stack, 'forged')));
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    return undefined;
  },
  repaired: githubDeliveryLands,
};

/** A flood of junk on the GitHub route: forged signatures (401) and bodies that are no event (400). */
export const routeJunk: Condition = {
  async drive({ stack }) {
    const junk = () =>
      fetch(`${stack.url}/webhooks/github`, { method: 'POST', body: 'not json' }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    const statuses = await Promise.all([
      ...Array.from({ length: 10 }, () => postGithub(stack, 'forged')),
      ...Array.from({ length: 10 }, junk),
    ]);
    expect(statuses.every((s) => s >= 400 && s < 500)).toBe(true);
    return undefined;
  },
  repaired: githubDeliveryLands,
};

/** A GitHub `issues` delivery as GitHub sends it, signed: the issue's number, title, labels, action and update time. */
async function deliverIssue(
  stack: LocalStack,
  issue: { number: number; title: string; labels: string[]; action: string; updatedAt: number },
): Promise<void> {
  const secret = await stack.secrets.get('github', 'webhookSecret');
  const body = sampleGithubIssue({ ...issue, updatedAt: iso(issue.updatedAt).replace(/\.\d{3}Z$/, 'Z') });
  (body.issue as { labels: unknown[] }).labels = issue.labels.map((name) => ({ name, color: 'd73a4a' }));
  const signed = signAs('github', JSON.stringify(body), secret, { headers: { 'x-github-event': 'issues' } });
  const res = await fetch(`${stack.url}/webhooks/github`, {
    method: 'POST',
    headers: signed.headers,
    body: signed.body,
  });
  expect(res.status).toBe(200);
  await stack.drained();
}

const cardRef = (number: number) => `github-issue:Codertocat/Hello-World#${number}`;

/**
 * A GitHub issue opened with the label `bug` and no title: the route's Trello card has no name, Trello's writer
 * refuses the command (400) and it lands in the change DLQ with its reason. Then the fix at the source, which is
 * GitHub's and no command of on-call's: the issue gets its title (no card: the route acts on `bug` being added),
 * and the label is removed and added again (one card). The runbook's replay refuses the untitled change again and
 * writes no second card; its delete empties the DLQ, so the alarm clears.
 */
export function changeDeadLetter(): Condition {
  let bugIssue = 0;
  const cards = (stack: LocalStack) =>
    stack.writes.simulators.trello!.cardsWith(`[integration-ref: ${cardRef(bugIssue)}]`);
  return {
    async drive({ stack }) {
      bugIssue = 20_000 + Math.floor(Math.random() * 10_000);
      const at = Math.floor(Date.now() / 1000) * 1000;
      const issue = { number: bugIssue, labels: ['bug'] };
      await deliverIssue(stack, { ...issue, title: '', action: 'opened', updatedAt: at });
      const reasons = stack.changes.dlq.list().map((m) => m.attributes[ATTR.failureReason]);
      const refused = /github-bug-to-trello: trello refused the command \(400 .*input\.name/;
      expect(reasons).toContainEqual(expect.stringMatching(refused));
      await deliverIssue(stack, { ...issue, title: 'Crash on save', action: 'edited', updatedAt: at + 1000 });
      expect(cards(stack)).toEqual([]);
      await deliverIssue(stack, {
        ...issue,
        labels: [],
        title: 'Crash on save',
        action: 'unlabeled',
        updatedAt: at + 2000,
      });
      await deliverIssue(stack, { ...issue, title: 'Crash on save', action: 'labeled', updatedAt: at + 3000 });
      return undefined;
    },
    async repaired({ stack }, runs) {
      const replay = runs.find((r) => r.command.includes('changes --replay'));
      expect(replay?.output).toMatch(/replayed [1-9]\d* change event\(s\) to the routes/);
      // The delete ran after the replay had refused the untitled change again: its dead letter and the first.
      const deleted = runs.find((r) => r.command.includes('changes --dlq --delete'));
      expect(deleted?.output.match(/refused the command \(400/g)?.length).toBeGreaterThanOrEqual(2);
      await stack.drained();
      expect(stack.changes.dlq.depth().total).toBe(0);
      expect(cards(stack).map((c) => c.name)).toEqual(['Crash on save']);
      const commands = (await stack.writes.commands.list('trello')).filter((o) => o.ref === cardRef(bugIssue));
      expect(commands.map((o) => o.status)).toEqual(['succeeded']);
    },
  };
}

/**
 * Trello writers held (as a disabled event source or a throttled writer holds them) while commands queue: the
 * backlog and the oldest command's age grow. Once the writers run again (the mitigation, which has no local
 * command), the queue drains and every command succeeds; nothing is dead-lettered.
 */
export const heldWriters: Condition = {
  async drive({ stack }) {
    await stack.writes.pause();
    const ref = `RBQ-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 3; i += 1) {
      const input = { ref: `${ref}-${i}`, idList: TRELLO_SEED.lists.todo, name: `Queued card ${i}` };
      expect((await sendCommand(stack.url, 'trello', 'createCard', input)).status).toBe(202);
    }
    await until(() => (stack.writes.queues.trello!.queue.depth().total >= 3 ? true : undefined), 'the backlog');
    return undefined;
  },
  async repaired({ stack }) {
    stack.writes.start();
    await stack.drained();
    expect(stack.writes.queues.trello!.queue.depth().total).toBe(0);
    expect(stack.writes.queues.trello!.dlq.depth().total).toBe(0);
    const mine = (await stack.writes.commands.list('trello')).filter((o) => o.ref?.startsWith('RBQ-'));
    expect(mine.length).toBeGreaterThanOrEqual(3);
    expect(mine.map((o) => o.status)).toEqual(mine.map(() => 'succeeded'));
  },
};

/**
 * Every runbook, one entry per rule: add yours when you add `docs/runbooks/<rule>.md` (the test fails for a runbook
 * without one). A `condition` drives the alarm's state and checks the repair; `noCondition` says why the local
 * stack cannot show it. Its commands run either way.
 */
export const RUNBOOKS: Record<string, RunbookEntry> = {
  'api-5xx-rate': {
    noCondition:
      'the ingest path answering 5xx needs a crash or a throttle the local gateway has no knob for; the sync refetches a window either way',
    placeholders: { '<provider>': 'football' },
  },
  'api-route-4xx-rate': { condition: routeJunk },
  'api-route-throttled': { condition: routeThrottled },
  'api-sunset-soon': { noCondition: 'the repair is a code change and a deploy; versions shows the notices either way' },
  'change-dlq-not-empty': { condition: changeDeadLetter() },
  'circuit-open': { condition: footballCircuitOpen },
  'command-dlq-not-empty': { condition: commandDeadLetters },
  'command-queue-age': { condition: heldWriters },
  'command-queue-backlog': { condition: heldWriters },
  'event-lag-p95': { condition: webhookDeadLetter },
  'gaps-failing': { condition: footballGaps(500) },
  'gaps-open': { condition: footballGaps(503) },
  'lambda-errors': { condition: webhookDeadLetter },
  'lambda-throttles': {
    noCondition: 'Lambda concurrency has no local stand-in: every handler runs in the one process',
  },
  'operation-latency-p95': { condition: footballGaps(504) },
  'provider-429-rate': { condition: footballRateLimited },
  'provider-5xx-rate': { condition: footballGaps(502) },
  'provider-timeouts': { condition: footballGaps(504) },
  'scheduler-dlq-not-empty': { condition: schedulerDeadLetter },
  'signature-rejections': { condition: signatureBurst },
  'webhook-dlq-not-empty': { condition: webhookDeadLetter },
  'webhook-queue-age': { condition: webhookDeadLetter },
  'webhook-sender-warnings': { condition: slackRateLimited },
  'webhooks-missed': {
    noCondition:
      'a missed delivery recovered is driven per provider by test/integration/recovery/*.test.ts and the outage drill (npm run chaos); here the repair commands run against the simulators',
  },
};
