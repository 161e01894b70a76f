import * as z from 'zod/mini';
import { IntegrationError } from '../core/errors';
import { refSchema } from '../core/writes/command';
import { writeOperation, type Call, type FindContext, type WritesSpec } from '../core/writes/types';
import { pick, pickString } from './payload';

/** The message metadata type that carries our id on every post (docs.slack.dev/messaging/message-metadata). */
export const SLACK_REF_EVENT_TYPE = 'integration_ref';

// chat.postMessage arguments: docs.slack.dev/reference/methods/chat.postMessage (channel by id: the lookup reads it).
const postInput = z.strictObject({
  ref: refSchema,
  channel: z.string().check(z.regex(/^[CGD][A-Z0-9]{8,}$/)),
  text: z.string().check(z.minLength(1), z.maxLength(40_000)),
  thread_ts: z.optional(z.string().check(z.regex(/^\d+\.\d+$/))),
  unfurl_links: z.optional(z.boolean()),
  unfurl_media: z.optional(z.boolean()),
});
type PostInput = z.infer<typeof postInput>;

/**
 * Messages asked for per history page: Slack advises 200 at most (limit is 999; 15 for non-Marketplace commercial
 * apps).
 */
const HISTORY_PAGE = 200;
/** History pages read at most when looking for a post whose answer was lost; more is an error, never a guess. */
export const SLACK_LOOKUP_PAGES = 5;
/** Our clock and Slack's may disagree: history is read from this long before the first send. */
const SKEW_MS = 300_000;

/** A Slack `ts` ("seconds.micros") for an instant. */
const tsAt = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(6);

const refOf = (message: unknown): unknown =>
  pickString(message, 'metadata', 'event_type') === SLACK_REF_EVENT_TYPE
    ? pick(message, 'metadata', 'event_payload', 'ref')
    : undefined;

/**
 * Finds the message a lost post may have made, by our id in its metadata: `conversations.history` of the channel,
 * newest first, from a few minutes before the first send (`oldest`), with `include_all_metadata=true` (without it
 * Slack strips the payload that holds the id), at most `SLACK_LOOKUP_PAGES` pages: a channel busier than that
 * since the first send is an error, never a guess. History is Tier 3 (50 a minute; 1 a minute for commercially
 * distributed apps outside the Marketplace), which is why it is only read when an outcome is unknown.
 */
async function findByMetadata(input: PostInput, call: Call, ctx: FindContext) {
  const oldest = ctx.since ? { oldest: tsAt(ctx.since.getTime() - SKEW_MS) } : {};
  let cursor: string | undefined;
  for (let page = 1; page <= SLACK_LOOKUP_PAGES; page += 1) {
    const res = await call({
      path: '/conversations.history',
      query: {
        channel: input.channel,
        limit: String(HISTORY_PAGE),
        include_all_metadata: 'true',
        ...oldest,
        ...(cursor ? { cursor } : {}),
      },
      operation: 'GET conversations.history',
    });
    if (!res.ok) return res;
    const messages = pick(res.value.body, 'messages');
    const found = (Array.isArray(messages) ? messages : []).find((m) => refOf(m) === input.ref);
    const ts = pickString(found, 'ts');
    if (ts) return { ok: true as const, value: `${input.channel}/${ts}` };
    cursor = pickString(res.value.body, 'response_metadata', 'next_cursor');
    if (pick(res.value.body, 'has_more') !== true || !cursor) return { ok: true as const, value: undefined };
  }
  const when = ctx.since ? `since ${ctx.since.toISOString()}` : 'in all';
  return {
    ok: false as const,
    error: new IntegrationError(
      'permanent',
      `slack channel ${input.channel} has more than ${SLACK_LOOKUP_PAGES * HISTORY_PAGE} messages ${when}: cannot rule out a post for ${input.ref}, not posting again`,
    ),
  };
}

/** `<channel>/<ts>`: a message's id, from chat.postMessage's answer. */
const idFrom = (body: unknown): string | undefined => {
  const channel = pickString(body, 'channel');
  const ts = pickString(body, 'ts');
  return pick(body, 'ok') === true && channel && ts ? `${channel}/${ts}` : undefined;
};

/**
 * Slack writes: `postMessage` sends `chat.postMessage` with our id in the message's metadata. Slack has no
 * idempotency keys, so a post whose outcome is unknown (no answer, a 5xx, `fatal_error`/`internal_error`, which
 * Slack says may have gone through) is looked for in `conversations.history` by that metadata before it is sent
 * again. A ref already posted is not posted again (`unchanged`): a post is not edited.
 */
export const slackWrites: WritesSpec = {
  postMessage: writeOperation<PostInput>({
    description: 'Post a message to a channel (once per ref)',
    input: postInput,
    entity: 'message',
    mode: 'create',
    create: (input) => ({
      method: 'POST',
      path: '/chat.postMessage',
      // Slack warns `missing_charset` on JSON without it.
      headers: { 'content-type': 'application/json; charset=utf-8' },
      json: {
        channel: input.channel,
        text: input.text,
        ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}),
        ...(input.unfurl_links === undefined ? {} : { unfurl_links: input.unfurl_links }),
        ...(input.unfurl_media === undefined ? {} : { unfurl_media: input.unfurl_media }),
        metadata: { event_type: SLACK_REF_EVENT_TYPE, event_payload: { ref: input.ref } },
      },
      operation: 'POST chat.postMessage',
    }),
    idFrom,
    update: () => undefined,
    reconcile: { strategy: 'lookup', find: findByMetadata },
    endpoints: ['POST chat.postMessage', 'GET conversations.history'],
  }),
};
