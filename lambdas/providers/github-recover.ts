import * as z from 'zod/mini';
import { IntegrationError } from '../core/errors';
import type { ClientRequest } from '../core/client/types';
import type { RecoverySpec } from '../core/provider';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// "Simple webhook delivery" (docs.github.com/rest/repos/webhooks#list-deliveries-for-a-repository-webhook).
const delivery = z.looseObject({
  id: z.number(),
  guid: z.string(),
  delivered_at: z.string(),
  redelivery: z.boolean(),
  status: z.string(),
  status_code: z.number(),
  event: z.string(),
});
type Delivery = z.infer<typeof delivery>;

/**
 * Where a hook's deliveries are: `owner/repo/hook_id` (a repository hook) or `org/hook_id` (an organization hook).
 * The App-level hook (`/app/hook/deliveries`) needs the App's JWT, which this stack does not hold.
 *
 * @example
 * hookPath('octo-org/hello-world/12345678') // '/repos/octo-org/hello-world/hooks/12345678'
 */
export function hookPath(target: string | undefined): string {
  // Without a target (operation names, docs): the documented path with its placeholders.
  if (target === undefined) return '/repos/{owner}/{repo}/hooks/{hook_id}';
  const parts = target.split('/').map(encodeURIComponent);
  if (parts.length === 3) return `/repos/${parts[0]}/${parts[1]}/hooks/${parts[2]}`;
  if (parts.length === 2) return `/orgs/${parts[0]}/hooks/${parts[1]}`;
  throw new IntegrationError('permanent', `github hook target must be owner/repo/hook_id or org/hook_id: ${target}`);
}

const scope = (target: string | undefined) => (target?.split('/').length === 2 ? 'orgs/{org}' : 'repos/{owner}/{repo}');
const at = (d: Delivery) => Date.parse(d.delivered_at);

/**
 * GitHub does not redeliver a failed delivery by itself; its API does, for deliveries of the past 3 days
 * (docs.github.com, "Handling failed webhook deliveries"). Each settled hour: list the hook's deliveries newest
 * first (100 a page, `Link` cursors) down to the hour's start, and per `guid` redeliver the newest failed one unless
 * a delivery of that guid succeeded (`status` "OK"), as GitHub's own redelivery script does. A redelivery keeps the
 * `X-GitHub-Delivery` guid, arrives signed through the ingest, and is deduplicated by it. A redelivery that fails
 * again is a new failed row in a later hour, so a later run asks again while GitHub still keeps it.
 */
export const githubDeliveries: RecoverySpec<Delivery> = {
  name: 'deliveries',
  description: 'failed webhook deliveries GitHub never redelivers by itself, redelivered within its 3 days',
  schedule: 'rate(1 hour)',
  targets: { secret: 'hooks', describe: 'hook (owner/repo/hook_id or org/hook_id)' },
  request: (_w, target): ClientRequest => ({
    path: `${hookPath(target)}/deliveries`,
    query: { per_page: 100 },
    operation: `GET /${scope(target)}/hooks/{hook_id}/deliveries`,
  }),
  pagination: { style: 'link' },
  schema: { record: delivery },
  olderThan: (d, w) => at(d) < w.from,
  // No retries on GitHub's side: a failure is missed at once; leave its 10 s deadline and a redelivery in flight room.
  window: {
    sizeMs: HOUR,
    start: '2024-01-01',
    firstRunBackMs: 3 * DAY - HOUR,
    maxAgeMs: 3 * DAY - HOUR,
    settleMs: 15 * MINUTE,
  },
  timeoutSeconds: 300,
  deliver: {
    kind: 'redeliver',
    guid: (d) => d.guid,
    ok: (d) => d.status === 'OK',
    at,
    request: (d, target) => ({
      method: 'POST',
      path: `${hookPath(target)}/deliveries/${d.id}/attempts`,
      operation: `POST /${scope(target)}/hooks/{hook_id}/deliveries/{delivery_id}/attempts`,
    }),
  },
  limits:
    'deliveries older than 3 days; deliveries of the GitHub App hook (its API takes only the App JWT); payloads over 25 MB, which GitHub never sends',
};
