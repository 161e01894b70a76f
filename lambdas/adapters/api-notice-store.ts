import type { ApiNoticeStore, EndpointRecord, EndpointSighting, EndpointSightings } from '../core/api-notice-recorder';
import { providerItems, type DocumentClient } from './document';

/** Endpoints not called for this long drop out of the table (DynamoDB TTL), so `versions` shows what is in use. */
const KEEP_DAYS = 90;

const NOTICE_FIELDS = [
  'deprecated',
  'deprecatedAt',
  'sunsetAt',
  'deprecationLink',
  'sunsetLink',
  'warnings',
  'notices',
  'noticeLastSeenAt',
] as const;

/** The record with its notice flattened into attributes. */
interface Item extends Omit<EndpointRecord, 'notice'> {
  deprecated?: boolean;
  deprecatedAt?: number;
  sunsetAt?: number;
  deprecationLink?: string;
  sunsetLink?: string;
  warnings?: string[];
  notices?: Record<string, string>;
  noticeFirstSeenAt?: number;
  noticeLastSeenAt?: number;
}

function toRecord(item: Item): EndpointRecord {
  const record: EndpointRecord = {
    provider: item.provider,
    endpoint: item.endpoint,
    method: item.method,
    lastSeenAt: item.lastSeenAt,
    lastStatus: item.lastStatus,
    apiVersion: item.apiVersion,
  };
  if (item.noticeLastSeenAt !== undefined) {
    record.notice = {
      deprecated: item.deprecated ?? false,
      deprecatedAt: item.deprecatedAt,
      sunsetAt: item.sunsetAt,
      links: { deprecation: item.deprecationLink, sunset: item.sunsetLink },
      warnings: item.warnings ?? [],
      notices: item.notices ?? {},
      firstSeenAt: item.noticeFirstSeenAt ?? item.noticeLastSeenAt,
      lastSeenAt: item.noticeLastSeenAt,
    };
  }
  return record;
}

/**
 * Writes to the api-notices table (lambdas/core/tables.ts): one item per provider and endpoint, updated in place.
 * A sighting with a notice replaces the stored notice fields (first-seen kept); one without only moves
 * `lastSeenAt`, so a notice stays visible once seen. A class of its own so handlers' bundles hold no reads.
 *
 * @example
 * const recorder = apiNoticeRecorder(new DynamoEndpointSightings(doc, process.env.API_NOTICES_TABLE!));
 */
export class DynamoEndpointSightings implements EndpointSightings {
  constructor(
    protected readonly doc: DocumentClient,
    protected readonly tableName: string,
  ) {}

  async record(s: EndpointSighting): Promise<void> {
    const values: Record<string, unknown> = {
      method: s.method,
      lastSeenAt: s.at,
      lastStatus: s.status,
      expiresAt: Math.floor(s.at / 1000) + KEEP_DAYS * 86_400,
      ...(s.apiVersion ? { apiVersion: s.apiVersion } : {}),
    };
    const remove: string[] = [];
    if (s.notice) {
      const n = s.notice;
      const fields: Record<(typeof NOTICE_FIELDS)[number], unknown> = {
        deprecated: n.deprecated,
        deprecatedAt: n.deprecatedAt,
        sunsetAt: n.sunsetAt,
        deprecationLink: n.links.deprecation,
        sunsetLink: n.links.sunset,
        warnings: n.warnings.length > 0 ? n.warnings : undefined,
        notices: Object.keys(n.notices).length > 0 ? n.notices : undefined,
        noticeLastSeenAt: s.at,
      };
      for (const [name, value] of Object.entries(fields)) {
        if (value === undefined) remove.push(name);
        else values[name] = value;
      }
    }
    // Every name aliased: DynamoDB reserves hundreds of words.
    const set = Object.keys(values).map((name) => `#${name} = :${name}`);
    if (s.notice) set.push('#noticeFirstSeenAt = if_not_exists(#noticeFirstSeenAt, :lastSeenAt)');
    const names = [...Object.keys(values), ...remove, ...(s.notice ? ['noticeFirstSeenAt'] : [])];
    await this.doc.update({
      TableName: this.tableName,
      Key: { provider: s.provider, endpoint: s.endpoint },
      UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.map((n) => `#${n}`).join(', ')}` : ''}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
      ExpressionAttributeValues: Object.fromEntries(Object.entries(values).map(([k, v]) => [`:${k}`, v])),
    });
  }
}

/**
 * The api-notices table, written (DynamoEndpointSightings) and read.
 *
 * @example
 * const store = new DynamoApiNoticeStore(createDocumentClient(createDynamoClient()), process.env.API_NOTICES_TABLE!);
 * await store.list('github');
 */
export class DynamoApiNoticeStore extends DynamoEndpointSightings implements ApiNoticeStore {
  async list(provider?: string): Promise<EndpointRecord[]> {
    const items = await providerItems<Item>(this.doc, this.tableName, provider);
    return items
      .map(toRecord)
      .sort((a, b) => a.provider.localeCompare(b.provider) || a.endpoint.localeCompare(b.endpoint));
  }
}
