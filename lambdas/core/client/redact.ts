/**
 * Keeps secrets out of what the client reports: every credential value it has read is replaced,
 * as are query strings of URLs (API keys travel there), and Bearer/Basic credentials.
 *
 * @example
 * const redact = new Redactor();
 * redact.add(apiKey);
 * redact.text(`GET https://api.x.com/v1?key=${apiKey} failed`); // 'GET https://api.x.com/v1?[redacted] failed'
 */
export class Redactor {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    // Very short values would redact ordinary words; no real credential is that short.
    if (value && value.length >= 6) this.values.add(value);
  }

  text(input: string): string {
    let out = input
      .replace(/(https?:\/\/[^\s?#"']+)\?[^\s#"']*/gi, '$1?[redacted]')
      .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 [redacted]');
    for (const v of this.values) out = out.split(v).join('[redacted]');
    return out.length > 500 ? `${out.slice(0, 500)}...` : out;
  }
}
