import LinkHeader from 'http-link-header';

/**
 * The `rel="next"` target of an RFC 8288 `Link` header, resolved against the request URL;
 * undefined when there is none or the header cannot be parsed.
 *
 * @example
 * nextLink('<https://api.github.com/repos?page=2>; rel="next", <...>; rel="last"', url) // 'https://api.github.com/repos?page=2'
 */
export function nextLink(header: string | undefined, base: string): string | undefined {
  if (!header) return undefined;
  try {
    // A rel value may list several space-separated relation types (RFC 8288 3.3).
    const ref = LinkHeader.parse(header).refs.find(
      (r) => typeof r.rel === 'string' && r.rel.toLowerCase().split(/\s+/).includes('next'),
    );
    return ref ? new URL(ref.uri, base).toString() : undefined;
  } catch {
    return undefined;
  }
}
