import * as z from 'zod/mini';
import { IntegrationError } from '../core/errors';
import { parsePayload, pick, pickString } from './payload';
import type { WebhookSamples } from './samples';
import { slackProblem } from './slack-errors';
import { slackWrites } from './slack-writes';
import type { EntityChange, ProviderDefinition, WebhookEvent } from '../core/provider';

// The Events API envelope: https://api.slack.com/types/event
const envelope = z.looseObject({ type: z.string() });
const callback = z.looseObject({
  type: z.literal('event_callback'),
  event_id: z.string(),
  event_time: z.number(),
  event: z.looseObject({ type: z.string(), event_ts: z.optional(z.string()), ts: z.optional(z.string()) }),
});
const message = z.looseObject({
  channel: z.string(),
  ts: z.optional(z.string()),
  subtype: z.optional(z.string()),
  message: z.optional(z.looseObject({ ts: z.string() })),
  deleted_ts: z.optional(z.string()),
});

/**
 * Epoch ms of a Slack time: `event_time` is documented in seconds (some doc examples show microseconds),
 * `ts`/`event_ts` are "seconds.micros" strings (or bare micros in older examples). Built from the digits,
 * so "1515449522.000016" is exactly 1515449522000.016 wherever it is read.
 */
export function slackTimeMs(value: unknown): number | undefined {
  const text =
    typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'string' ? value : '';
  const match = /^(\d{1,16})(?:\.(\d{1,6}))?$/.exec(text);
  if (!match) return undefined;
  const [, whole = '', fraction] = match;
  if (fraction !== undefined) {
    const micros = fraction.padEnd(6, '0');
    return Number(`${whole}${micros.slice(0, 3)}.${micros.slice(3)}`);
  }
  const n = Number(whole);
  if (n >= 1e14) return Number(`${whole.slice(0, -3)}.${whole.slice(-3)}`);
  return n >= 1e11 ? n : n * 1000;
}

/**
 * Messages (and app mentions, which are messages) are keyed by channel and message ts, so an edit or a
 * delete lands on the message it changes; versioned by the event's own `event_ts`/`ts` (microseconds, so
 * a post and its edit in the same second still order), else the envelope's `event_time`. Other events are kept once
 * each, by event id.
 */
function mapSlack(event: WebhookEvent): EntityChange[] {
  // Slash commands arrive as a form with no `type`: kept once each, without the token or response_url.
  const command = pickString(event.body, 'command');
  if (command !== undefined && pick(event.body, 'type') === undefined) {
    const field = (name: string) => pickString(event.body, name);
    const data = {
      command,
      text: field('text'),
      team_id: field('team_id'),
      channel_id: field('channel_id'),
      user_id: field('user_id'),
    };
    return [{ type: 'slash_command', key: field('trigger_id') ?? event.eventId, version: 0, data }];
  }
  const { type } = parsePayload('slack', 'envelope', envelope, event.body);
  // Answered at the ingest; nothing to keep if one is replayed.
  if (type === 'url_verification') return [];
  if (type !== 'event_callback') return [{ type: `envelope:${type}`, key: event.eventId, version: 0, data: { type } }];
  const cb = parsePayload('slack', 'event_callback', callback, event.body);
  const version = slackTimeMs(cb.event.event_ts) ?? slackTimeMs(cb.event.ts) ?? slackTimeMs(cb.event_time);
  if (version === undefined) throw new IntegrationError('invalid_payload', 'slack event_time is not a time');
  if (cb.event.type === 'message' || cb.event.type === 'app_mention') {
    const m = parsePayload('slack', cb.event.type, message, cb.event);
    if (m.subtype === 'message_changed' && m.message) {
      return [
        {
          type: 'message',
          key: `${m.channel}/${m.message.ts}`,
          version,
          data: { ...m.message, channel: m.channel, edited: true },
        },
      ];
    }
    if (m.subtype === 'message_deleted' && m.deleted_ts) {
      return [
        {
          type: 'message',
          key: `${m.channel}/${m.deleted_ts}`,
          version,
          data: { channel: m.channel, ts: m.deleted_ts, deleted: true },
        },
      ];
    }
    if (!m.ts) throw new IntegrationError('invalid_payload', `slack ${cb.event.type} event has no ts`);
    return [{ type: 'message', key: `${m.channel}/${m.ts}`, version, data: { ...cb.event } }];
  }
  return [{ type: `event:${cb.event.type}`, key: cb.event_id, version, data: { ...cb.event } }];
}

export const slack: ProviderDefinition = {
  name: 'slack',
  displayName: 'Slack',
  baseUrl: 'https://slack.com/api',
  auth: { kind: 'bearer', secret: 'botToken' },
  secrets: ['signingSecret', 'botToken'],
  // conversations.history is Tier 3 (50 a minute) and posting about one a second per channel: 0.8/s keeps under both.
  rateLimit: { requestsPerSecond: 0.8, burst: 5 },
  // Errors come as HTTP 200 `{ ok: false, error }`, named in the error's message.
  inspectResponse: slackProblem,
  // Writes: no idempotency keys; a post is reconciled by our id in its message metadata (slack-writes.ts).
  writes: process.env.BUNDLED_WRITES === 'no' ? undefined : slackWrites,
  webhook: {
    scheme: 'slack',
    secret: 'signingSecret',
    // Slack resends an event it had no 200 for within 3 s (X-Slack-Retry-Num); its event_id stays the same.
    eventId: ({ body }) => pickString(body, 'event_id'),
    eventTime: ({ body }) => slackTimeMs(pick(body, 'event_time')),
    handshake: ({ body }) => {
      const challenge = pick(body, 'challenge');
      if (pick(body, 'type') !== 'url_verification' || typeof challenge !== 'string') return undefined;
      return { statusCode: 200, body: JSON.stringify({ challenge }), headers: { 'content-type': 'application/json' } };
    },
    // Sent when Slack drops our events past its rate limit, and when it turns event delivery off: no replay exists.
    senderWarning: ({ body }) => (pick(body, 'type') === 'app_rate_limited' ? 'app_rate_limited' : undefined),
    map: mapSlack,
  },
};

// Documented sample deliveries: for local tools and tests only (see samples.ts).

/** Slack, the Events API wrapper example (docs.slack.dev/reference/objects/event-object). */
export const SLACK_EVENT_WRAPPER = {
  token: 'XXYYZZ',
  team_id: 'TXXXXXXXX',
  api_app_id: 'AXXXXXXXXX',
  event: { type: 'name_of_event', event_ts: '1234567890.123456', user: 'UXXXXXXX1' },
  type: 'event_callback',
  authed_users: ['UXXXXXXX1', 'UXXXXXXX2'],
  event_id: 'Ev08MFMKH6',
  event_time: 1234567890,
};

// Marked pure, so esbuild drops these from Lambda bundles as it does plain literals.
const inWrapper = <T>(event: T) => ({ ...SLACK_EVENT_WRAPPER, event });

/** Slack, the `app_mention` event (api.slack.com/events/app_mention) inside the wrapper example above. */
export const SLACK_APP_MENTION = /* @__PURE__ */ inWrapper({
  type: 'app_mention',
  user: 'U061F7AUR',
  text: '<@U0LAN0Z89> is it everything a river should be?',
  ts: '1515449522.000016',
  channel: 'C123ABC456',
  event_ts: '1515449522000016',
});

/**
 * Slack, the `document_mention` example with its full wrapper
 * (docs.slack.dev/reference/events/message/document_mention).
 */
export const SLACK_DOCUMENT_MENTION = {
  token: 'XXYYZZ',
  team_id: 'T123ABC456',
  api_app_id: 'A123ABC456',
  event: {
    user: 'UA1BCD3EF',
    subtype: 'document_mention',
    document_mention: {
      file_id: 'F123ABCDEFG',
      section_id: 'temp:C:GQL71204e5bd23942c79f0a22a51',
      mentioning_user_ids: ['UA1BCD3EF'],
    },
    type: 'app_mention',
    ts: '1716411280.657549',
    text: '<@U123456ABC7> was mentioned in a canvas',
    team: 'T1ABC2DE3',
    blocks: [
      { type: 'section', block_id: 'gcn3v', text: { type: 'mrkdwn', text: '>>>Hey <@U123456ABC7>', verbatim: false } },
    ],
    channel: 'C012ABCDEFG',
    event_ts: '1716411280.657549',
  },
  type: 'event_callback',
  authed_users: ['U123ABC456', 'U222222222'],
  event_id: 'Ev123ABC456',
  event_time: 123456789,
};

/** Slack, the `message_changed` event (api.slack.com/events/message/message_changed) inside the wrapper example. */
export const SLACK_MESSAGE_CHANGED = /* @__PURE__ */ inWrapper({
  type: 'message',
  subtype: 'message_changed',
  hidden: true,
  channel: 'C123ABC456',
  ts: '1358878755.000001',
  message: {
    type: 'message',
    user: 'U123ABC456',
    text: 'Hello, world!',
    ts: '1355517523.000005',
    edited: { user: 'U123ABC456', ts: '1358878755.000001' },
  },
});

/** Slack, the `message_deleted` event (api.slack.com/events/message/message_deleted) inside the wrapper example. */
export const SLACK_MESSAGE_DELETED = /* @__PURE__ */ inWrapper({
  type: 'message',
  subtype: 'message_deleted',
  hidden: true,
  channel: 'C123ABC456',
  ts: '1358878755.000001',
  deleted_ts: '1358878749.000002',
});

/** Slack, the `url_verification` request (api.slack.com/events/url_verification). */
export const SLACK_URL_VERIFICATION = {
  token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
  challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
  type: 'url_verification',
};

/** "seconds.micros" of an epoch-ms time, as Slack writes `ts` and `event_ts`. */
const slackTs = (ms: number) => `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}000`;

export const slackSamples: WebhookSamples = {
  documented: ({ now, ids }) => {
    const ts = slackTs(now.getTime());
    const event = { ...SLACK_APP_MENTION.event, ts, event_ts: ts };
    const seconds = Math.floor(now.getTime() / 1000);
    const body = { ...SLACK_APP_MENTION, event_id: `Ev${ids.hex(10).toUpperCase()}`, event_time: seconds, event };
    return { body: JSON.stringify(body), headers: {} };
  },
  entity: (index) => ({ type: 'message', key: `C123ABC456/${1_700_000_000 + index}.000100` }),
  eventId: (ids) => `Ev${ids.hex(10).toUpperCase()}`,
  // A `message_changed` event: the edit of the entity's message, versioned by the edit's ts.
  event: (e) => {
    const [channel, messageTs] = e.key.split('/') as [string, string];
    const ts = slackTs(e.version);
    const base = SLACK_MESSAGE_CHANGED.event;
    const message = {
      ...base.message,
      ts: messageTs,
      text: e.text ?? `edited at ${ts}`,
      edited: { ...base.message.edited, ts },
    };
    const event = { ...base, channel, ts, event_ts: ts, message };
    const eventTime = e.poison ? 'yesterday' : Math.floor(e.version / 1000);
    return {
      body: JSON.stringify({ ...SLACK_MESSAGE_CHANGED, event_id: e.eventId, event_time: eventTime, event }),
      headers: {},
    };
  },
  // Slack's retry headers (api.slack.com/apis/events-api, "Retries").
  retryHeaders: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
};
