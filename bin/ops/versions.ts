import { DynamoApiNoticeStore } from '../../lambdas/adapters/api-notice-store';
import type { EndpointRecord } from '../../lambdas/core/api-notice-recorder';
import { TABLES } from '../../lambdas/core/tables';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { localDynamo } from './local-target';
import type { OpsContext, OpsVerb } from './verb';

const DAY_MS = 86_400_000;

export interface EndpointView {
  endpoint: string;
  method: string;
  lastSeenAt: string;
  lastStatus: number;
  /** The API version the deployed code sent, when it differs from the pinned one (an older deployment). */
  sentVersion?: string;
  notice?: {
    deprecated: boolean;
    deprecatedAt?: string;
    sunsetAt?: string;
    /** Whole days from now to the sunset; negative once past. */
    sunsetInDays?: number;
    links: { deprecation?: string; sunset?: string };
    warnings: string[];
    notices: Record<string, string>;
    firstSeenAt: string;
    lastSeenAt: string;
  };
}

export interface ProviderVersions {
  provider: string;
  displayName: string;
  /** `2022-11-28 (header X-GitHub-Api-Version)`, `2026-04 (path)`, or none pinned. */
  apiVersion?: string;
  endpoints: EndpointView[];
}

export interface VersionsReport {
  where: string;
  /** False when the endpoint store could not be read (local stack not running): pinned versions only. */
  endpointsKnown: boolean;
  providers: ProviderVersions[];
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

function pinned(def: ProviderDefinition): string | undefined {
  const v = def.apiVersion;
  if (!v) return undefined;
  return v.in === 'header' ? `${v.value} (header ${v.header})` : `${v.value} (path)`;
}

/**
 * Per provider: the pinned API version, the endpoints the client called (from the api-notices table), and any
 * deprecation or sunset they announced. `records` undefined means the store was not reachable.
 *
 * @example
 * versionsReport(providers, await store.list(), { now: Date.now(), where: 'local stack' });
 */
export function versionsReport(
  definitions: readonly ProviderDefinition[],
  records: EndpointRecord[] | undefined,
  opts: { now: number; where: string },
): VersionsReport {
  const providers = definitions.map(
    (def): ProviderVersions => ({
      provider: def.name,
      displayName: def.displayName,
      apiVersion: pinned(def),
      endpoints: (records ?? [])
        .filter((r) => r.provider === def.name)
        .map((r) => ({
          endpoint: r.endpoint,
          method: r.method,
          lastSeenAt: iso(r.lastSeenAt)!,
          lastStatus: r.lastStatus,
          ...(r.apiVersion && r.apiVersion !== def.apiVersion?.value ? { sentVersion: r.apiVersion } : {}),
          ...(r.notice
            ? {
                notice: {
                  deprecated: r.notice.deprecated,
                  deprecatedAt: iso(r.notice.deprecatedAt),
                  sunsetAt: iso(r.notice.sunsetAt),
                  sunsetInDays:
                    r.notice.sunsetAt === undefined ? undefined : Math.floor((r.notice.sunsetAt - opts.now) / DAY_MS),
                  links: r.notice.links,
                  warnings: r.notice.warnings,
                  notices: r.notice.notices,
                  firstSeenAt: iso(r.notice.firstSeenAt)!,
                  lastSeenAt: iso(r.notice.lastSeenAt)!,
                },
              }
            : {}),
        })),
    }),
  );
  return { where: opts.where, endpointsKnown: records !== undefined, providers };
}

const day = (isoDate: string | undefined): string => isoDate?.slice(0, 10) ?? '?';

/**
 * The report as text: one block per provider, a `!` line per notice.
 *
 * @example
 * console.log(versionsText(versionsReport(providers, records, { now: Date.now(), where: 'local stack' })));
 */
export function versionsText(r: VersionsReport): string {
  const lines: string[] = [];
  let inUse = 0;
  let noticed = 0;
  for (const p of r.providers) {
    lines.push(`${p.provider} (${p.displayName}): API version ${p.apiVersion ?? 'not pinned'}`);
    if (!r.endpointsKnown) continue;
    if (p.endpoints.length === 0) lines.push('  no endpoint called in the last 90 days');
    for (const e of p.endpoints) {
      inUse += 1;
      lines.push(
        `  ${e.endpoint}  last called ${e.lastSeenAt} (${e.lastStatus})${e.sentVersion ? `  sent version ${e.sentVersion}` : ''}`,
      );
      const n = e.notice;
      if (!n) continue;
      noticed += 1;
      const parts: string[] = [];
      if (n.deprecated)
        parts.push(
          n.deprecatedAt
            ? `deprecated ${Date.parse(n.deprecatedAt) <= Date.parse(n.lastSeenAt) ? 'since' : 'from'} ${day(n.deprecatedAt)}`
            : 'deprecated',
        );
      if (n.sunsetAt)
        parts.push(
          `sunset ${day(n.sunsetAt)} (${n.sunsetInDays! >= 0 ? `in ${n.sunsetInDays} days` : `${-n.sunsetInDays!} days ago`})`,
        );
      const link = n.links.deprecation ?? n.links.sunset;
      if (link) parts.push(link);
      if (parts.length > 0) lines.push(`    ! ${parts.join(' · ')}`);
      for (const w of n.warnings) lines.push(`    ! warning: ${w}`);
      for (const [name, value] of Object.entries(n.notices)) lines.push(`    ! ${name}: ${value}`);
      lines.push(`      notice seen ${day(n.firstSeenAt)} .. ${day(n.lastSeenAt)}`);
    }
  }
  lines.push(
    r.endpointsKnown
      ? `${inUse} endpoint(s) in use, ${noticed} with a deprecation notice (${r.where})`
      : `endpoints in use unknown: ${r.where}`,
  );
  return lines.join('\n');
}

/** Where endpoint records are read: the deployed stage's table with --aws, else the running local stack's, if any. */
async function noticeStore(ctx: OpsContext): Promise<{ store?: DynamoApiNoticeStore; where: string }> {
  if (ctx.aws) {
    const target = await ctx.target();
    const { doc, name } = target.tables();
    return { store: new DynamoApiNoticeStore(doc, name('apiNotices')), where: target.where };
  }
  if (!ctx.isRunning())
    return { where: 'the local stack is not running (npm start), or add --aws for a deployed stage' };
  const doc = localDynamo(ctx.running().dynamoEndpoint);
  return { store: new DynamoApiNoticeStore(doc, TABLES.apiNotices.name), where: 'local stack' };
}

export const verb: OpsVerb = {
  synopsis: 'versions [provider]',
  summary: 'pinned API versions, endpoints in use, deprecations and sunsets seen',
  run: async (ctx) => {
    const name = ctx.args[0];
    const defs = name ? [ctx.provider(name)] : ctx.providers;
    const { store, where } = await noticeStore(ctx);
    const records = store ? await store.list(name ? defs[0]!.name : undefined) : undefined;
    ctx.print(versionsReport(defs, records, { now: Date.now(), where }), versionsText);
    return 0;
  },
};
