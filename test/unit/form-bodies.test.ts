import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromQueueMessage, toWebhookEvent } from '../../lambdas/core/event-message';
import { ingest, type IngestDeps } from '../../lambdas/core/ingest';
import { parseWebhookBody } from '../../lambdas/core/parse-body';
import { getProvider } from '../../lambdas/providers';
import { MemoryQueue, MemorySecrets, RecordingTelemetry } from '../helpers/memory';

// Slack's documented signing example is a slash command, sent as a form:
// https://api.slack.com/authentication/verifying-requests-from-slack
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const SLACK_TIMESTAMP = '1531420618';
const SLACK_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SLACK_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const FORM = 'application/x-www-form-urlencoded';

function deps(provider: string, secretName: string, secret: string, now: Date) {
  const queue = new MemoryQueue();
  const d: IngestDeps = {
    registry: getProvider,
    secrets: new MemorySecrets({ [provider]: { [secretName]: secret } }),
    queueFor: (p) => (p === provider ? queue : undefined),
    telemetry: new RecordingTelemetry(),
    now: () => now,
    newId: () => 'id',
  };
  return { queue, deps: d };
}

describe('form-encoded webhook bodies', () => {
  it('reads a `payload` field as JSON, other forms as flat fields, and rejects the rest', () => {
    expect(parseWebhookBody(`payload=${encodeURIComponent('{"zen":"Design for failure."}')}`, FORM)).toEqual({
      zen: 'Design for failure.',
    });
    expect(parseWebhookBody('command=%2Fweather&text=94070', `${FORM}; charset=utf-8`)).toEqual({
      command: '/weather',
      text: '94070',
    });
    expect(() => parseWebhookBody('payload=not-json', FORM)).toThrow();
    expect(() => parseWebhookBody('command=%2Fweather', 'application/json')).toThrow();
  });

  it("accepts Slack's documented slash command and maps it without its token or response_url", async () => {
    const { queue, deps: d } = deps('slack', 'signingSecret', SLACK_SECRET, new Date(Number(SLACK_TIMESTAMP) * 1000));
    const headers = {
      'content-type': FORM,
      'x-slack-signature': SLACK_SIGNATURE,
      'x-slack-request-timestamp': SLACK_TIMESTAMP,
    };
    const res = await ingest({ provider: 'slack', method: 'POST', headers, rawBody: Buffer.from(SLACK_BODY) }, d);
    expect(res.statusCode).toBe(200);
    const envelope = fromQueueMessage(queue.messages[0]!.body, queue.messages[0]!.attributes);
    const [change] = getProvider('slack')!.webhook!.map(toWebhookEvent(envelope));
    expect(change).toMatchObject({
      type: 'slash_command',
      key: '398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
      data: { command: '/webhook-collect', user_id: 'U2CERLKJA' },
    });
    expect(JSON.stringify(change)).not.toContain('xyzz0WbapA4vBCDEFasx0q6G');
    expect(JSON.stringify(change)).not.toContain('hooks.slack.com');
  });

  it('accepts a GitHub webhook configured with the form content type (payload=...)', async () => {
    const json = JSON.stringify({
      zen: 'Keep it logically awesome.',
      hook_id: 42,
      hook: { updated_at: '2024-01-01T00:00:00Z' },
    });
    const raw = `payload=${encodeURIComponent(json)}`;
    const { queue, deps: d } = deps('github', 'webhookSecret', 's3cret', new Date());
    const signature = `sha256=${createHmac('sha256', 's3cret').update(raw).digest('hex')}`;
    const headers = {
      'content-type': FORM,
      'x-hub-signature-256': signature,
      'x-github-event': 'ping',
      'x-github-delivery': 'd-form',
    };
    expect(
      (await ingest({ provider: 'github', method: 'POST', headers, rawBody: Buffer.from(raw) }, d)).statusCode,
    ).toBe(200);
    const envelope = fromQueueMessage(queue.messages[0]!.body, queue.messages[0]!.attributes);
    expect(getProvider('github')!.webhook!.map(toWebhookEvent(envelope))[0]).toMatchObject({ type: 'hook', key: '42' });
  });
});
