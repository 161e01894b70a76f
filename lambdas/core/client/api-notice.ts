import LinkHeader from 'http-link-header';
import { httpDate } from './retry-after';

/** What a response said about the future of its endpoint; every text is bounded and free of control characters. */
export interface ApiNotice {
  /** A `Deprecation` header was present (RFC 9745), with or without a date. */
  deprecated: boolean;
  /** When the endpoint is or was deprecated (epoch ms), when the header carried a date. */
  deprecatedAt?: number;
  /** When the endpoint stops answering (epoch ms): RFC 8594 `Sunset`. */
  sunsetAt?: number;
  /** `Link` targets with rel="deprecation" (RFC 9745) and rel="sunset" (RFC 8594): the migration notes. */
  links: { deprecation?: string; sunset?: string };
  /** `Warning` texts with the miscellaneous codes 199/299 (RFC 7234 5.5), as Kubernetes sends for deprecated APIs. */
  warnings: string[];
  /** Provider-specific notice headers (definition's `noticeHeaders`), lower-cased name to value. */
  notices: Record<string, string>;
}

const MAX_TEXT = 300;

const clean = (text: string): string => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this strips
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT)}...` : flat;
};

/**
 * `Deprecation` (RFC 9745): a Structured Field Date `@<epoch seconds>`. Earlier drafts, still in use,
 * sent `true` or an HTTP-date; both mean deprecated. Hand-written: one token of RFC 8941, no library needed.
 */
function deprecationDate(value: string): number | undefined {
  const v = value.trim();
  const sf = /^@(-?\d{1,15})$/.exec(v);
  if (sf) return Number(sf[1]) * 1000;
  return v.toLowerCase() === 'true' ? undefined : httpDate(v);
}

/** `Sunset` (RFC 8594 3): an HTTP-date. */
function sunsetDate(value: string): number | undefined {
  return httpDate(value);
}

/**
 * `Warning` values (RFC 7234 5.5): `warn-code SP warn-agent SP "warn-text" [SP "warn-date"]`, comma-separated.
 * Codes 1xx/2xx other than 199/299 are caching notes (stale, transformed), not API notices.
 * Hand-written: the field is obsolete (RFC 9111) and no maintained parser exists; quoted strings need care.
 *
 * @example
 * warningTexts('299 - "Deprecated: use /v2/items"') // ['Deprecated: use /v2/items']
 */
export function warningTexts(value: string): string[] {
  const out: string[] = [];
  const re = /(\d{3})\s+\S+\s+"((?:[^"\\]|\\.)*)"(?:\s+"(?:[^"\\]|\\.)*")?/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    if (m[1] === '199' || m[1] === '299') out.push(clean(m[2]!.replace(/\\(.)/g, '$1')));
  }
  return out;
}

function linkTargets(value: string | undefined, base: string): ApiNotice['links'] {
  if (!value) return {};
  try {
    const refs = LinkHeader.parse(value).refs;
    const target = (rel: string) => {
      const ref = refs.find((r) => typeof r.rel === 'string' && r.rel.toLowerCase().split(/\s+/).includes(rel));
      return ref ? clean(new URL(ref.uri, base).toString()) : undefined;
    };
    return { deprecation: target('deprecation'), sunset: target('sunset') };
  } catch {
    return {};
  }
}

/**
 * The deprecation signals of one response, or undefined when it carries none. `headers` are lower-cased.
 *
 * @example
 * apiNotice({ deprecation: '@1688169599', sunset: 'Sun, 30 Jun 2024 23:59:59 GMT' }, 'https://api.example.com/v1/items')
 * // { deprecated: true, deprecatedAt: 1688169599000, sunsetAt: 1719791999000, links: {}, warnings: [], notices: {} }
 */
export function apiNotice(
  headers: Record<string, string>,
  url: string,
  noticeHeaders: readonly string[] = [],
): ApiNotice | undefined {
  const deprecation = headers.deprecation;
  const sunset = headers.sunset;
  const notice: ApiNotice = {
    deprecated: deprecation !== undefined,
    deprecatedAt: deprecation !== undefined ? deprecationDate(deprecation) : undefined,
    sunsetAt: sunset !== undefined ? sunsetDate(sunset) : undefined,
    links: deprecation !== undefined || sunset !== undefined ? linkTargets(headers.link, url) : {},
    warnings: headers.warning ? warningTexts(headers.warning) : [],
    notices: {},
  };
  for (const name of noticeHeaders) {
    const value = headers[name.toLowerCase()];
    if (value) notice.notices[name.toLowerCase()] = clean(value);
  }
  const any =
    notice.deprecated ||
    notice.sunsetAt !== undefined ||
    notice.warnings.length > 0 ||
    Object.keys(notice.notices).length > 0;
  return any ? notice : undefined;
}

/**
 * A stable text of what a notice says (dates, links, texts), to tell when it changed.
 *
 * @example
 * if (noticeSignature(seen) !== noticeSignature(last)) log(seen); // a new sunset date, link or warning
 */
export function noticeSignature(notice: ApiNotice | undefined): string {
  if (!notice) return '';
  return JSON.stringify([
    notice.deprecated,
    notice.deprecatedAt ?? null,
    notice.sunsetAt ?? null,
    notice.links.deprecation ?? null,
    notice.links.sunset ?? null,
    notice.warnings,
    Object.entries(notice.notices).sort(),
  ]);
}
