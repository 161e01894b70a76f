// zod/mini: the same schemas, tree-shaken to a few KB instead of ~450 KB in every Lambda bundle.
import * as z from 'zod/mini';
import { resetAt } from '../core/client/rate-limit-headers';
import { retryAfterMs } from '../core/client/retry-after';
import { IntegrationError } from '../core/errors';
import { openEnum } from '../core/schema-drift';
import { parsePayload } from './payload';
import type { EntityChange, ProviderDefinition, ResponseProblem, WebhookEvent } from '../core/provider';

// Only the fields the mapping reads; everything else in GitHub's payloads passes through.
const repository = z.looseObject({
  id: z.number(),
  full_name: z.string(),
  pushed_at: z.optional(z.union([z.number(), z.string(), z.null()])),
});
const timestamped = z.looseObject({ id: z.number(), updated_at: z.string() });
const numbered = z.extend(timestamped, { number: z.number() });

// The activity types GitHub documents per event (docs.github.com, "Webhook events and payloads"); the
// mapping stores `action`, so a new one is counted as schema drift (SchemaDrift, field `issues.action`).
const ISSUES_ACTIONS = [
  'assigned',
  'closed',
  'deleted',
  'demilestoned',
  'edited',
  'labeled',
  'locked',
  'milestoned',
  'opened',
  'pinned',
  'reopened',
  'transferred',
  'typed',
  'unassigned',
  'unlabeled',
  'unlocked',
  'unpinned',
  'untyped',
] as const;
const PULL_REQUEST_ACTIONS = [
  'assigned',
  'auto_merge_disabled',
  'auto_merge_enabled',
  'closed',
  'converted_to_draft',
  'demilestoned',
  'dequeued',
  'edited',
  'enqueued',
  'labeled',
  'locked',
  'milestoned',
  'opened',
  'ready_for_review',
  'reopened',
  'review_request_removed',
  'review_requested',
  'synchronize',
  'unassigned',
  'unlabeled',
  'unlocked',
] as const;
const ISSUE_COMMENT_ACTIONS = ['created', 'deleted', 'edited'] as const;

const schemas = {
  issues: z.looseObject({ action: openEnum(ISSUES_ACTIONS), issue: numbered, repository }),
  pull_request: z.looseObject({ action: openEnum(PULL_REQUEST_ACTIONS), pull_request: numbered, repository }),
  issue_comment: z.looseObject({ action: openEnum(ISSUE_COMMENT_ACTIONS), comment: timestamped, repository }),
  push: z.looseObject({ ref: z.string(), after: z.string(), repository }),
  ping: z.looseObject({ hook_id: z.number(), hook: z.looseObject({ updated_at: z.string() }) }),
};

const parse = <T extends z.ZodMiniType>(schema: T, event: WebhookEvent, name: string): z.infer<T> =>
  parsePayload('github', name, schema, event.body);

const epochMs = (iso: string, field: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new IntegrationError('invalid_payload', `github ${field} is not a date`);
  return ms;
};

/** Maps GitHub's documented webhook payloads to entities; unknown events are kept as immutable event records. */
function mapGithub(event: WebhookEvent): EntityChange[] {
  const name = event.headers['x-github-event'] ?? 'unknown';
  switch (name) {
    case 'issues': {
      const p = parse(schemas.issues, event, name);
      return [
        {
          type: 'issue',
          key: `${p.repository.full_name}#${p.issue.number}`,
          version: epochMs(p.issue.updated_at, 'issue.updated_at'),
          data: { action: p.action, ...p.issue },
        },
      ];
    }
    case 'pull_request': {
      const p = parse(schemas.pull_request, event, name);
      const pr = p.pull_request;
      return [
        {
          type: 'pull_request',
          key: `${p.repository.full_name}#${pr.number}`,
          version: epochMs(pr.updated_at, 'pull_request.updated_at'),
          data: { action: p.action, ...pr },
        },
      ];
    }
    case 'issue_comment': {
      const p = parse(schemas.issue_comment, event, name);
      return [
        {
          type: 'issue_comment',
          key: `${p.repository.full_name}#${p.comment.id}`,
          version: epochMs(p.comment.updated_at, 'comment.updated_at'),
          data: { action: p.action, ...p.comment },
        },
      ];
    }
    case 'push': {
      const p = parse(schemas.push, event, name);
      // pushed_at is epoch seconds in push payloads; the receipt time orders pushes that lack it.
      const pushedAt = typeof p.repository.pushed_at === 'number' ? p.repository.pushed_at * 1000 : event.receivedAt;
      return [
        {
          type: 'ref',
          key: `${p.repository.full_name}#${p.ref}`,
          version: pushedAt,
          data: { ref: p.ref, after: p.after, before: (p as Record<string, unknown>).before },
        },
      ];
    }
    case 'ping': {
      const p = parse(schemas.ping, event, name);
      return [
        {
          type: 'hook',
          key: String(p.hook_id),
          version: epochMs(p.hook.updated_at, 'hook.updated_at'),
          data: { zen: (p as Record<string, unknown>).zen, hook_id: p.hook_id },
        },
      ];
    }
    default: {
      if (typeof event.body !== 'object' || event.body === null || Array.isArray(event.body)) {
        throw new IntegrationError('invalid_payload', `github ${name} payload is not an object`);
      }
      const body = event.body as Record<string, unknown>;
      // No documented entity version: keep each delivery once, as an immutable event.
      return [
        {
          type: `event:${name}`,
          key: event.eventId,
          version: 0,
          data: { action: body.action, sender: (body.sender as { login?: string } | undefined)?.login },
        },
      ];
    }
  }
}

/** GitHub's "otherwise, wait for at least one minute before retrying" after a secondary rate limit. */
const SECONDARY_WAIT_MS = 60_000;

/**
 * GitHub's rate limits, as "Rate limits for the REST API" (Exceeding the rate limit) documents them: a 403
 * or 429 with `x-ratelimit-remaining: 0` (primary) or a message about a secondary rate limit. Resume after
 * `retry-after` seconds, else at `x-ratelimit-reset` (epoch seconds) when none remain, else a minute later.
 * A 403 without these signals (no permission, SSO, a blocked resource) stays permanent.
 *
 * @example
 * githubProblem({ status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1735689600' }, body: { message: 'API rate limit exceeded for user ID 1.' } }, now)
 * // { kind: 'rate_limited', message: 'rate limited (403): API rate limit exceeded for user ID 1.', resumeAt: 1735689600000 }
 */
export function githubProblem(
  res: { status: number; headers: Record<string, string>; body: unknown },
  now: number,
): ResponseProblem | undefined {
  if (res.status !== 403 && res.status !== 429) return undefined;
  const said = (res.body as { message?: unknown } | null | undefined)?.message;
  const message = typeof said === 'string' ? said.slice(0, 200) : '';
  const retryAfter = retryAfterMs(res.headers['retry-after'], now);
  const spent = res.headers['x-ratelimit-remaining']?.trim() === '0';
  if (res.status === 403 && !spent && retryAfter === undefined && !/rate limit/i.test(message)) return undefined;
  const reset = res.headers['x-ratelimit-reset']?.trim();
  const resume =
    retryAfter !== undefined
      ? now + retryAfter
      : spent && reset && /^\d+$/.test(reset)
        ? resetAt(Number(reset), now, 'epoch-seconds')
        : now + SECONDARY_WAIT_MS;
  return {
    kind: 'rate_limited',
    message: `rate limited (${res.status})${message ? `: ${message}` : ''}`,
    resumeAt: resume,
  };
}

export const github: ProviderDefinition = {
  name: 'github',
  displayName: 'GitHub',
  baseUrl: 'https://api.github.com',
  apiVersion: { value: '2022-11-28', in: 'header', header: 'X-GitHub-Api-Version' },
  auth: { kind: 'bearer', secret: 'token' },
  secrets: ['webhookSecret', 'token'],
  rateLimit: { requestsPerSecond: 1 },
  // A 429 with no JSON for githubProblem to read still waits GitHub's minute.
  retry: { minRateLimitWaitMs: SECONDARY_WAIT_MS },
  inspectResponse: githubProblem,
  webhook: {
    scheme: 'github',
    secret: 'webhookSecret',
    forwardHeaders: ['x-github-event', 'x-github-hook-id'],
    eventId: ({ headers }) => headers['x-github-delivery'],
    map: mapGithub,
  },
};
