/**
 * A secret's value holds one secret, or several during a rotation: a JSON array of strings,
 * or values separated by newlines. Every listed value is accepted until the old one is removed.
 */
export function secretValues(raw: string | undefined): string[] {
  if (!raw) return [];
  const text = raw.trim();
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.filter((v): v is string => typeof v === 'string' && v.length > 0);
    } catch {
      // not JSON: fall through and treat as plain text
    }
  }
  return text
    .split(/\r?\n/)
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}
