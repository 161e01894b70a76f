// zod/mini: the same schemas, tree-shaken to a few KB instead of ~450 KB in every Lambda bundle.
import * as z from 'zod/mini';
import { IntegrationError } from '../core/errors';
import type { EntityChange, ProviderDefinition, WebhookEvent } from './types';

// Only the fields the mapping reads; everything else in GitHub's payloads passes through.
const repository = z.looseObject({ id: z.number(), full_name: z.string(), pushed_at: z.optional(z.union([z.number(), z.string(), z.null()])) });
const timestamped = z.looseObject({ id: z.number(), updated_at: z.string() });
const numbered = z.extend(timestamped, { number: z.number() });

const schemas = {
  issues: z.looseObject({ action: z.string(), issue: numbered, repository }),
  pull_request: z.looseObject({ action: z.string(), pull_request: numbered, repository }),
  issue_comment: z.looseObject({ action: z.string(), comment: timestamped, repository }),
  push: z.looseObject({ ref: z.string(), after: z.string(), repository }),
  ping: z.looseObject({ hook_id: z.number(), hook: z.looseObject({ updated_at: z.string() }) }),
};

function parse<T extends z.ZodMiniType>(schema: T, event: WebhookEvent, name: string): z.infer<T> {
  const result = z.safeParse(schema, event.body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new IntegrationError('invalid_payload', `github ${name} payload: ${issue?.path.join('.') || '(root)'} ${issue?.code ?? 'invalid'}`);
  }
  return result.data;
}

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
      return [{ type: 'issue', key: `${p.repository.full_name}#${p.issue.number}`, version: epochMs(p.issue.updated_at, 'issue.updated_at'), data: { action: p.action, ...p.issue } }];
    }
    case 'pull_request': {
      const p = parse(schemas.pull_request, event, name);
      const pr = p.pull_request;
      return [{ type: 'pull_request', key: `${p.repository.full_name}#${pr.number}`, version: epochMs(pr.updated_at, 'pull_request.updated_at'), data: { action: p.action, ...pr } }];
    }
    case 'issue_comment': {
      const p = parse(schemas.issue_comment, event, name);
      return [{ type: 'issue_comment', key: `${p.repository.full_name}#${p.comment.id}`, version: epochMs(p.comment.updated_at, 'comment.updated_at'), data: { action: p.action, ...p.comment } }];
    }
    case 'push': {
      const p = parse(schemas.push, event, name);
      // pushed_at is epoch seconds in push payloads; the receipt time orders pushes that lack it.
      const pushedAt = typeof p.repository.pushed_at === 'number' ? p.repository.pushed_at * 1000 : event.receivedAt;
      return [{ type: 'ref', key: `${p.repository.full_name}#${p.ref}`, version: pushedAt, data: { ref: p.ref, after: p.after, before: (p as Record<string, unknown>).before } }];
    }
    case 'ping': {
      const p = parse(schemas.ping, event, name);
      return [{ type: 'hook', key: String(p.hook_id), version: epochMs(p.hook.updated_at, 'hook.updated_at'), data: { zen: (p as Record<string, unknown>).zen, hook_id: p.hook_id } }];
    }
    default: {
      if (typeof event.body !== 'object' || event.body === null || Array.isArray(event.body)) {
        throw new IntegrationError('invalid_payload', `github ${name} payload is not an object`);
      }
      const body = event.body as Record<string, unknown>;
      // No documented entity version: keep each delivery once, as an immutable event.
      return [{ type: `event:${name}`, key: event.eventId, version: 0, data: { action: body.action, sender: (body.sender as { login?: string } | undefined)?.login } }];
    }
  }
}

export const github: ProviderDefinition = {
  name: 'github',
  displayName: 'GitHub',
  baseUrl: 'https://api.github.com',
  apiVersion: { value: '2022-11-28', in: 'header', header: 'X-GitHub-Api-Version' },
  auth: { kind: 'bearer', secret: 'token' },
  secrets: ['webhookSecret', 'token'],
  rateLimit: { requestsPerSecond: 1 },
  webhook: {
    scheme: 'github',
    secret: 'webhookSecret',
    forwardHeaders: ['x-github-event', 'x-github-hook-id'],
    eventId: ({ headers }) => headers['x-github-delivery'],
    map: mapGithub,
  },
};

