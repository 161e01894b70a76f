/** A response body as the client judges it. */
export type BodyVerdict =
  | { kind: 'json'; body: unknown }
  | { kind: 'empty' }
  | { kind: 'html' }
  | { kind: 'malformed' };

/**
 * Parses a response body as JSON; an HTML page (error pages from gateways and CDNs) or any text that
 * is not JSON is named as such, never thrown.
 *
 * @example
 * judgeBody('<html>502 Bad Gateway</html>', 'text/html') // { kind: 'html' }
 */
export function judgeBody(text: string, contentType: string | undefined): BodyVerdict {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { kind: 'empty' };
  if (/html/i.test(contentType ?? '') || trimmed.startsWith('<')) return { kind: 'html' };
  try {
    return { kind: 'json', body: JSON.parse(trimmed) };
  } catch {
    return { kind: 'malformed' };
  }
}
