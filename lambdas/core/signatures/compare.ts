import { createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC of the given parts, in order, without concatenating buffers. */
export function hmac(algorithm: 'sha256' | 'sha1', key: string | Buffer, ...parts: (string | Buffer)[]): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Constant-time equality of a computed digest and a candidate from a header. */
export function digestEquals(expected: Buffer, candidate: Buffer): boolean {
  return expected.length === candidate.length && timingSafeEqual(expected, candidate);
}

// Lower-case only, as every provider sends it: a case flip is a changed signature, never an equal one.
const HEX = /^[0-9a-f]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes a lower-case hex digest strictly; undefined when it is not hex of even length. */
export function fromHex(text: string): Buffer | undefined {
  return text.length % 2 === 0 && HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
}

/** Decodes a base64 digest strictly; undefined when it is not canonical base64. */
export function fromBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64');
  return buf.toString('base64') === text ? buf : undefined;
}
