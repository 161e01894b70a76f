// zod/mini: the same schemas, tree-shaken to a few KB instead of ~450 KB in every Lambda bundle.
import * as z from 'zod/mini';
import { resetAt } from '../core/client/rate-limit-headers';
import { retryAfterMs } from '../core/client/retry-after';
import { IntegrationError } from '../core/errors';
import { openEnum } from '../core/schema-drift';
import { githubDeliveries } from './github-recover';
import { parsePayload } from './payload';
import type { WebhookSamples } from './samples';
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
  secrets: ['webhookSecret', 'token', 'hooks'],
  rateLimit: { requestsPerSecond: 1 },
  // A 429 with no JSON for githubProblem to read still waits GitHub's minute.
  retry: { minRateLimitWaitMs: SECONDARY_WAIT_MS },
  inspectResponse: githubProblem,
  webhook: {
    scheme: 'github',
    secret: 'webhookSecret',
    forwardHeaders: ['x-github-event', 'x-github-hook-id'],
    eventId: ({ headers }) => headers['x-github-delivery'],
    // `hooks`: the CIDR ranges, IPv4 and IPv6, webhooks come from (docs.github.com, "About GitHub's IP addresses").
    publishedSourceIps: { url: 'https://api.github.com/meta', field: 'hooks' },
    map: mapGithub,
  },
  recover: process.env.BUNDLED_RECOVER === 'no' ? undefined : [githubDeliveries],
};

// Documented sample deliveries: for local tools and tests only (see samples.ts).

/** GitHub's example delivery headers (docs.github.com, "Webhook events and payloads", Example webhook delivery). */
export const GITHUB_HEADERS = {
  'user-agent': 'GitHub-Hookshot/044aadd',
  'x-github-event': 'issues',
  'x-github-hook-id': '292430182',
  'x-github-hook-installation-target-id': '79929171',
  'x-github-hook-installation-target-type': 'repository',
};

const REPO = 'Codertocat/Hello-World';

/**
 * GitHub's published `issues` `opened` example (octokit/webhooks-examples, Codertocat/Hello-World), abridged:
 * the issue's own fields, its label, the repository's ids and the sender; number, title, time and action vary.
 *
 * @example
 * const body = JSON.stringify(sampleGithubIssue({ number: 7, action: 'edited' }));
 */
export function sampleGithubIssue(
  opts: { number?: number; title?: string; updatedAt?: string; action?: string } = {},
): Record<string, unknown> {
  const number = opts.number ?? 1;
  return {
    action: opts.action ?? 'opened',
    issue: {
      url: `https://api.github.com/repos/${REPO}/issues/${number}`,
      html_url: `https://github.com/${REPO}/issues/${number}`,
      id: 444500040 + number,
      node_id: 'MDU6SXNzdWU0NDQ1MDAwNDE=',
      number,
      title: opts.title ?? 'Spelling error in the README file',
      user: { login: 'Codertocat', id: 21031067, type: 'User' },
      labels: [
        {
          id: 1362934389,
          node_id: 'MDU6TGFiZWwxMzYyOTM0Mzg5',
          url: `https://api.github.com/repos/${REPO}/labels/bug`,
          name: 'bug',
          color: 'd73a4a',
          default: true,
          description: "Something isn't working",
        },
      ],
      state: 'open',
      locked: false,
      comments: 0,
      created_at: '2019-05-15T15:20:18Z',
      updated_at: opts.updatedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      closed_at: null,
      author_association: 'OWNER',
      body: "It looks like you accidently spelled 'commit' with two 't's.",
    },
    repository: {
      id: 186853002,
      node_id: 'MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=',
      name: 'Hello-World',
      full_name: REPO,
      private: false,
    },
    sender: { login: 'Codertocat', id: 21031067, type: 'User' },
  };
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const githubSamples: WebhookSamples = {
  documented: ({ now, ids }) => ({
    body: JSON.stringify(
      sampleGithubIssue({
        number: (Math.floor(now.getTime() / 1000) % 1000) + 1,
        updatedAt: isoSeconds(now.getTime()),
      }),
    ),
    headers: { ...GITHUB_HEADERS, 'x-github-delivery': ids.uuid() },
  }),
  entity: (index) => ({ type: 'issue', key: `${REPO}#${index + 1}` }),
  eventId: (ids) => ids.uuid(),
  event: (e) => {
    const number = Number(e.key.slice(e.key.lastIndexOf('#') + 1));
    const sample = sampleGithubIssue({
      number,
      action: 'edited',
      updatedAt: isoSeconds(e.version),
      title: `Issue ${number} at ${Math.floor(e.version / 1000)}`,
    });
    const issue = sample.issue as Record<string, unknown>;
    if (e.text !== undefined) issue.body = e.text;
    if (e.poison) delete issue.updated_at;
    return { body: JSON.stringify(sample), headers: { ...GITHUB_HEADERS, 'x-github-delivery': e.eventId } };
  },
};
