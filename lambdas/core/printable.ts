/** Control characters (C0, DEL, C1), line and paragraph separators, and bidi overrides: what a terminal acts on. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this regex's job.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const escaped = (c: string): string => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Text from outside (a provider, a caller, a header) made safe to print on a terminal or echo in an answer:
 * control characters escaped, so a newline or an ANSI escape can never forge a line or recolour a screen, and
 * at most `maxChars` characters kept, with how many were cut.
 *
 * @example
 * printable('a\nINFO forged\u001b[31m', 64) // 'a\\nINFO forged\\u001b[31m'
 * printable('x'.repeat(500), 10)            // 'xxxxxxxxxx...(+490 chars)'
 */
export function printable(text: string, maxChars = Number.POSITIVE_INFINITY): string {
  const kept = text.length > maxChars ? `${text.slice(0, maxChars)}...(+${text.length - maxChars} chars)` : text;
  return kept.replace(UNSAFE, escaped);
}

/** Like `printable`, but keeps newlines and tabs: for whole multi-line outputs whose fields were escaped already. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => (c === '\n' || c === '\t' ? c : escaped(c)));
}
