/** Header maps as API Gateway and Node deliver them: any case, values possibly arrays. */
export type HeaderInput = Record<string, string | string[] | undefined>;

/** Lower-cases header names; repeated headers are joined with ", " as RFC 9110 allows. */
export function normalizeHeaders(headers: HeaderInput | undefined | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers || typeof headers !== 'object') return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null) continue;
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    const key = name.toLowerCase();
    out[key] = key in out ? `${out[key]}, ${text}` : text;
  }
  return out;
}
