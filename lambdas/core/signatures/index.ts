import { normalizeHeaders, type HeaderInput } from '../headers';
import type { HmacOptions, SignatureScheme, SignedRequest, Verifier, VerifyResult } from './types';
import { verifyGithub } from './verify-github';

export type { HmacOptions, RejectReason, SignatureScheme, VerifyResult } from './types';

export const DEFAULT_TOLERANCE_SECONDS = 300;

const VERIFIERS: Partial<Record<SignatureScheme, Verifier>> = {
  github: verifyGithub,
};

export function isSupportedScheme(scheme: string): scheme is SignatureScheme {
  return Object.prototype.hasOwnProperty.call(VERIFIERS, scheme);
}

/**
 * Verifies a webhook's signature over its raw bytes. Never throws.
 *
 * @example
 * const result = verifyWebhook('github', { headers: event.headers, rawBody }, ['s3cret'], { now: new Date() });
 * if (!result.ok) return { statusCode: 401, body: result.reason };
 */
export function verifyWebhook(
  scheme: SignatureScheme,
  request: { headers: HeaderInput; rawBody: Buffer | string; url?: string },
  secrets: string[],
  options: { now?: Date; toleranceSeconds?: number; hmac?: HmacOptions } = {},
): VerifyResult {
  try {
    const verifier = VERIFIERS[scheme];
    const usable = Array.isArray(secrets) ? secrets.filter((s) => typeof s === 'string' && s.length > 0) : [];
    if (!verifier || usable.length === 0) return { ok: false, reason: 'signature_mismatch' };
    const req: SignedRequest = {
      headers: normalizeHeaders(request?.headers),
      rawBody: Buffer.isBuffer(request?.rawBody) ? request.rawBody : Buffer.from(String(request?.rawBody ?? ''), 'utf8'),
      url: request?.url,
    };
    const now = options.now instanceof Date && !Number.isNaN(options.now.getTime()) ? options.now : new Date();
    return verifier(req, usable, { now, toleranceSeconds: options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS, hmac: options.hmac });
  } catch {
    return { ok: false, reason: 'malformed_header' };
  }
}
