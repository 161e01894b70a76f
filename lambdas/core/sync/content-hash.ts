import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';

/**
 * SHA-256 of a record's stored content in canonical JSON (keys sorted at every level), so the same
 * content always hashes the same whatever order the provider or a mapping put its keys in.
 *
 * @example
 * contentHash({ b: 1, a: 2 }) === contentHash({ a: 2, b: 1 }) // true
 */
export function contentHash(data: unknown, version?: number): string {
  return createHash('sha256')
    .update(stringify({ data, version: version ?? null }) ?? 'null')
    .digest('base64url');
}
