import * as z from 'zod/mini';
import { IntegrationError } from '../core/errors';
import { parsePayload, pick, pickString } from './payload';
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
 * a post and its edit in the same second still order), else the envelope's `event_time`. Other events are kept once each, by event id.
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
  // Web API tier 3 (most read methods): 50 requests per minute.
  rateLimit: { requestsPerSecond: 0.8, burst: 5 },
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
    map: mapSlack,
  },
};
