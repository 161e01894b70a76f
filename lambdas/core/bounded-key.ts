import { createHash } from 'node:crypto';

/** Event ids as providers make them are 10 to 40 characters; a longer one (or a compound one) is hashed. */
export const MAX_EVENT_ID_BYTES = 200;
/** A record's type (`issue`, `event:<GitHub event name>`) in its key. */
export const MAX_RECORD_TYPE_BYTES = 200;
/** A record's own key; with the provider and type it stays far under DynamoDB's 2,048-byte partition key. */
export const MAX_RECORD_KEY_BYTES = 1024;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Control characters, and the non-characters SQS refuses in a message attribute: what makes an id unfit to keep.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what makes an id unprintable.
const UNFIT = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/;
const UNREADABLE = /[^\u0021-\u007e]/g;

/**
 * A value from outside (a header, a payload field) made fit for a key: kept as it is when it has at most `maxBytes`
 * UTF-8 bytes, no control character and no lone surrogate, else its first 32 printable characters, then `~sha256:`
 * and the SHA-256 of the whole value. Equal values give equal keys and different ones different keys (unless a value
 * is itself shaped `<prefix>~sha256:<the hash of another>`, which takes knowing that other value), so dedupe stays
 * exact and real ids stay readable; bounding a bounded key changes nothing.
 *
 * @example
 * boundedKey('d1f1c3a0-5f2b-11ee-8c99-0242ac120002', 200) // unchanged
 * boundedKey('x'.repeat(3000), 200) // 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx~sha256:<64 hex>'
 */
export function boundedKey(value: string, maxBytes: number): string {
  // Cheap first: a short ASCII id (every real one) needs no byte count and no hash.
  const fits = value.length <= maxBytes / 3 || Buffer.byteLength(value) <= maxBytes;
  if (fits && !UNFIT.test(value) && !LONE_SURROGATE.test(value)) return value;
  const digest = createHash('sha256').update(value).digest('hex');
  return `${value.slice(0, 32).replace(UNREADABLE, '_')}~sha256:${digest}`;
}
