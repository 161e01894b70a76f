import { operationOf } from '../core/client/request-url';
import { instant } from '../core/sync/windows';
import type { PollSpec, ProviderDefinition } from '../core/provider';

/**
 * The operation name a poll's requests carry in logs and metrics: the one the client and the paginator
 * give it (`operation`, or method and path with ids as `{id}`), read from the request of its first window.
 *
 * @example
 * pollOperation(fixturesPoll) // 'GET /fixtures'
 */
export function pollOperation(poll: PollSpec): string {
  const from = instant(poll.window.start);
  const req = poll.request({ from, to: from + poll.window.sizeMs });
  return req.operation ?? operationOf(req);
}

/**
 * Every operation a provider's stack functions call it with, as the `operation` metric dimension names
 * it: each poll's request, each write's declared endpoints, and `oauth-token` for client-credentials auth.
 * The stack gives each one a p95 latency alarm; the local stack finds them in the metrics instead.
 *
 * @example
 * requestOperations(trello) // ['POST /1/cards', 'GET /1/cards/{id}', 'PUT /1/cards/{id}', ...]
 */
export function requestOperations(def: ProviderDefinition): string[] {
  const names = [
    ...(def.polls ?? []).map(pollOperation),
    ...Object.values(def.writes ?? {}).flatMap((w) => w.endpoints ?? []),
    ...(def.auth.kind === 'oauth2-client-credentials' ? ['oauth-token'] : []),
  ];
  return [...new Set(names)];
}
