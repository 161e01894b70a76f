import { afterEach, describe, expect, it } from 'vitest';
import { ATTR } from '../../../lambdas/core/event-message';
import type { Command } from '../../../lambdas/core/writes/command';
import { SLACK_LOOKUP_PAGES, SLACK_REF_EVENT_TYPE } from '../../../lambdas/providers/slack-writes';
import { SLACK_SEED } from '../../../local/simulators/slack';
import { LENIENT_BREAKER, SECRET_VALUES, SECRETS, writerRig, type WriterRig } from '../../helpers/writer-rig';

let rig: WriterRig;
afterEach(async () => {
  expect(rig.logs.leaked(SECRET_VALUES)).toEqual([]);
  await rig.close();
});

const CHANNEL = SLACK_SEED.channels.results;
const POST = '/api/chat.postMessage';
const HISTORY = '/api/conversations.history';
let n = 0;
const ref = () => `ft-${n}`;
const post = (input: Record<string, unknown> = {}, commandId = `cmd-slack-${++n}`): Command => ({
  commandId,
  provider: 'slack',
  operation: 'postMessage',
  input: { ref: `ft-${n}`, channel: CHANNEL, text: `FT: Arsenal 2-1 Chelsea (${n})`, ...input },
});
const requests = (path: string) => rig.slack.log(path);
const posted = () => rig.slack.messagesWithRef(ref());
const outcome = (command: Command) => rig.commands.get('slack', command.commandId);

async function run(command: Command) {
  rig.send('slack', command);
  await rig.drain('slack');
  return outcome(command);
}

describe('Slack postMessage: chat.postMessage with our id in the message metadata', () => {
  it('posts once, as JSON with the bot token, carrying the ref in metadata, and maps our id to channel/ts', async () => {
    rig = await writerRig();
    const result = await run(post());
    const [message, ...more] = posted();
    expect(more).toEqual([]);
    expect(message).toMatchObject({
      text: `FT: Arsenal 2-1 Chelsea (${n})`,
      metadata: { event_type: SLACK_REF_EVENT_TYPE, event_payload: { ref: ref() } },
    });
    const [req] = requests(POST);
    expect(req!.method).toBe('POST');
    expect(req!.headers.authorization).toBe(`Bearer ${SECRETS.slack.botToken}`);
    expect(req!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(req!.body)).toMatchObject({ channel: CHANNEL, metadata: { event_payload: { ref: ref() } } });
    expect(result).toMatchObject({
      status: 'succeeded',
      action: 'created',
      providerId: `${CHANNEL}/${message!.ts}`,
      providerCalls: 1,
    });
    // The simulator's control route shows requests without the token.
    expect(await (await fetch(`${rig.slack.url}/_requests`)).text()).not.toContain(SECRETS.slack.botToken);
  });

  it('posts a ref only once: a second command for it is unchanged, no second message', async () => {
    rig = await writerRig();
    await run(post());
    const again = await run(post({ ref: ref(), text: 'another text' }, 'cmd-slack-again'));
    expect(posted()).toHaveLength(1);
    expect(again).toMatchObject({ status: 'succeeded', action: 'unchanged', providerCalls: 0 });
  });

  it.each([
    ['a channel that does not exist', { channel: 'C0NOSUCH001' }, 'channel_not_found'],
    ['a channel the bot is not in', { channel: SLACK_SEED.channels.general }, 'not_in_channel'],
  ])(
    'answers %s with HTTP 200 ok:false, which is permanent: the DLQ at once with the code',
    async (_n, input, code) => {
      rig = await writerRig();
      const command = post(input);
      expect(await run(command)).toMatchObject({
        status: 'failed',
        attempts: 1,
        lastError: { kind: 'permanent', message: expect.stringContaining(code) },
      });
      expect(requests(POST)).toHaveLength(1);
      expect(rig.queues.slack.dlq.list()[0]!.attributes[ATTR.failureReason]).toContain(code);
    },
  );

  it('treats a bad token (invalid_auth in HTTP 200) as auth, never as permanent input', async () => {
    rig = await writerRig({ maxReceiveCount: 2 });
    rig.slack.faults.add({ kind: 'status', status: 200, body: { ok: false, error: 'invalid_auth' } });
    rig.send('slack', post());
    await rig.deliver('slack');
    expect(rig.events.find((e) => e.type === 'attempt')).toMatchObject({ outcome: 'auth', errorCode: 'auth' });
    await rig.drain('slack');
    expect(posted()).toHaveLength(1);
  });
});

describe('rate limits: HTTP 429 ratelimited with Retry-After, and chat.postMessage rate_limited in HTTP 200', () => {
  it('the simulator throttles posts past about one a second per channel: 429, Retry-After, ratelimited', async () => {
    rig = await writerRig();
    const url = `${rig.slack.url}${POST}`;
    const headers = { authorization: `Bearer ${SECRETS.slack.botToken}`, 'content-type': 'application/json' };
    const answers = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ channel: CHANNEL, text: `m${i}` }),
      });
      answers.push({ status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() });
    }
    expect(answers.slice(0, 3).map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[3]).toEqual({ status: 429, retryAfter: '1', body: { ok: false, error: 'ratelimited' } });
    rig.time.advance(1000);
    const later = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ channel: CHANNEL, text: 'ok' }) });
    expect(later.status).toBe(200);
  });

  it.each([
    [
      'HTTP 429 ratelimited with Retry-After',
      { kind: 'status', status: 429, retryAfter: { seconds: 3 }, body: { ok: false, error: 'ratelimited' } },
    ],
    ['HTTP 200 rate_limited', { kind: 'status', status: 200, body: { ok: false, error: 'rate_limited' } }],
  ] as const)('%s: nothing was posted, so the next delivery posts once (no lookup)', async (_n, fault) => {
    rig = await writerRig();
    rig.slack.faults.add(fault, { match: { path: POST } });
    const command = post();
    rig.send('slack', command);
    await rig.deliver('slack');
    expect(await outcome(command)).toMatchObject({ status: 'retrying', lastError: { kind: 'retryable' } });
    const attempt = rig.events.find((e) => e.type === 'attempt') as { outcome: string; waitMs?: number };
    expect(attempt.outcome).toBe('rate_limited');
    await rig.drain('slack');
    expect(posted()).toHaveLength(1);
    expect(requests(HISTORY)).toEqual([]);
    expect(await outcome(command)).toMatchObject({ status: 'succeeded', action: 'created' });
  });
});

describe('a rate-limited command comes back when the limit has room', () => {
  it("hides the message until Slack's Retry-After has passed (plus up to a fifth), not the queue's visibility timeout", async () => {
    const delays: number[] = [];
    rig = await writerRig({ retryDelay: { delay: async (_handle, seconds) => void delays.push(seconds) } });
    rig.slack.faults.add(
      { kind: 'status', status: 429, retryAfter: { seconds: 30 }, body: { ok: false, error: 'ratelimited' } },
      { match: { path: POST } },
    );
    rig.send('slack', post());
    await rig.deliver('slack');
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(30);
    expect(delays[0]).toBeLessThanOrEqual(36);
  });
});

describe('commit, then fail: Slack stored the post and the answer was lost', () => {
  it.each([
    // Answers: the request is over, so the same invocation can look at once.
    ['a 502 after the post', { kind: 'commit-then-fail', status: 502 }, 1],
    [
      'fatal_error in HTTP 200 after the post',
      { kind: 'commit-then-fail', status: 200, body: { ok: false, error: 'fatal_error' } },
      1,
    ],
    [
      'internal_error in HTTP 200 after the post',
      { kind: 'commit-then-fail', status: 200, body: { ok: false, error: 'internal_error' } },
      1,
    ],
    // No answer at all: the post may still be landing, so only the redelivery looks.
    ['a reset after the post', { kind: 'commit-then-fail', drop: 'reset' }, 2],
    ['a hang (timeout) after the post', { kind: 'commit-then-fail', drop: 'hang' }, 2],
  ] as const)(
    '%s: the writer finds the message by its metadata and maps it instead of posting again',
    async (_n, fault, attempts) => {
      rig = await writerRig();
      rig.slack.faults.add(fault, { match: { method: 'POST', path: POST } });
      const command = post();
      const result = await run(command);
      const [message, ...more] = posted();
      expect(more).toEqual([]);
      expect(requests(POST)).toHaveLength(1);
      const [look, ...again] = requests(HISTORY);
      expect(again).toEqual([]);
      expect(look!.query).toMatchObject({ channel: CHANNEL, include_all_metadata: 'true', limit: '200' });
      // Bounded by time: from five minutes before the first send.
      expect(Number(look!.query.oldest)).toBeGreaterThan(Number(message!.ts) - 301);
      expect(Number(look!.query.oldest)).toBeLessThan(Number(message!.ts));
      expect(result).toMatchObject({
        status: 'succeeded',
        action: 'reconciled',
        providerId: `${CHANNEL}/${message!.ts}`,
        attempts,
      });
      expect(rig.logs.metric('CommandsReconciled', { provider: 'slack', operation: 'postMessage' })).toBe(1);
    },
  );

  it('commit late (Slack posts after a reset cut the answer): never posts again in that invocation, one message', async () => {
    rig = await writerRig();
    rig.slack.faults.add(
      { kind: 'commit-late', afterMs: 5_000, drop: 'reset' },
      { match: { method: 'POST', path: POST } },
    );
    const command = post();
    rig.send('slack', command);
    await rig.deliver('slack');
    expect(await outcome(command)).toMatchObject({ status: 'retrying' });
    expect(requests(HISTORY)).toEqual([]);
    rig.time.advance(6 * 60_000);
    await rig.drain('slack');
    expect(posted()).toHaveLength(1);
    expect(requests(POST)).toHaveLength(1);
    expect(await outcome(command)).toMatchObject({ status: 'succeeded', action: 'reconciled', attempts: 2 });
  });

  it('a lost answer for a post that never happened: the lookup finds nothing and the post goes out once', async () => {
    rig = await writerRig();
    rig.slack.faults.add({ kind: 'status', status: 503 }, { match: { method: 'POST', path: POST } });
    const result = await run(post());
    expect(posted()).toHaveLength(1);
    expect(requests(POST)).toHaveLength(2);
    expect(requests(HISTORY)).toHaveLength(1);
    expect(result).toMatchObject({ status: 'succeeded', action: 'created' });
  });

  it('history without include_all_metadata strips the payload that holds our id (why the lookup always sends it)', async () => {
    rig = await writerRig();
    await run(post());
    const res = await fetch(`${rig.slack.url}${HISTORY}?channel=${CHANNEL}`, {
      headers: { authorization: `Bearer ${SECRETS.slack.botToken}` },
    });
    const body = (await res.json()) as { messages: { metadata?: Record<string, unknown> }[] };
    expect(body.messages[0]!.metadata).toEqual({ event_type: SLACK_REF_EVENT_TYPE });
  });

  it(`never posts again when the channel got more messages since the first send than ${SLACK_LOOKUP_PAGES} pages hold`, async () => {
    rig = await writerRig({ definitions: { slack: { circuitBreaker: LENIENT_BREAKER } } });
    rig.slack.faults.add({ kind: 'commit-then-fail', drop: 'reset' }, { match: { method: 'POST', path: POST } });
    const command = post();
    rig.send('slack', command);
    await rig.deliver('slack');
    // Our post landed, then the channel got busy: more messages than the lookup may read.
    rig.slack.addMessages(CHANNEL, SLACK_LOOKUP_PAGES * 200 + 1);
    await rig.drain('slack');
    expect(requests(HISTORY)).toHaveLength(SLACK_LOOKUP_PAGES);
    expect(posted()).toHaveLength(1);
    expect(await outcome(command)).toMatchObject({
      status: 'failed',
      lastError: { kind: 'permanent', message: expect.stringContaining('cannot rule out a post') },
    });
  });
});
