import { IntegrationError } from './errors';
import type { Telemetry } from './ports';
import { type PublishedSourceIps, parseSourceIps } from './source-ips';

export interface RefreshDeps {
  fetch: typeof fetch;
  /** Stores the list's value where the ingest reads it (the provider's `webhookSourceIps` secret). */
  write(value: string): Promise<void>;
  now(): Date;
  telemetry: Telemetry;
  /** Per request (default 10 s). */
  timeoutMs?: number;
}

/**
 * Fetches a provider's published webhook source addresses and stores them as its allow list:
 * `{"ranges":[...],"source":url,"fetchedAt":iso}`. A failed fetch or a document without a valid, non-empty list
 * throws and stores nothing, so the last good list stays in force (and the function's errors alarm fires).
 *
 * @example
 * await refreshSourceIps('github', github.webhook!.publishedSourceIps!, { fetch, write, now: () => new Date(), telemetry });
 */
export async function refreshSourceIps(
  provider: string,
  source: PublishedSourceIps,
  deps: RefreshDeps,
): Promise<{ ranges: number }> {
  const res = await deps.fetch(source.url, {
    // GitHub's API refuses requests without a User-Agent.
    headers: { accept: 'application/json', 'user-agent': 'integration-stack-source-ips' },
    signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
  });
  if (!res.ok) throw new IntegrationError('retryable', `${source.url} answered ${res.status}`, { status: res.status });
  const document = (await res.json()) as Record<string, unknown> | null;
  const listed = document?.[source.field];
  const ranges = parseSourceIps(JSON.stringify(listed ?? null));
  if (!ranges) throw new IntegrationError('permanent', `${source.url}: ${source.field} is not a list of addresses`);
  await deps.write(JSON.stringify({ ranges, source: source.url, fetchedAt: deps.now().toISOString() }));
  deps.telemetry.log('info', 'source ip allow list refreshed', { provider, ranges: ranges.length });
  return { ranges: ranges.length };
}
