import { normalizeHeaders, type HeaderInput } from '../headers';
import type { HmacOptions, SignatureScheme, SignedRequest, Verifier, VerifyResult } from './types';
import { verifyGithub } from './verify-github';
import { verifyHmacSha256 } from './verify-hmac';
import { verifyShopify } from './verify-shopify';
import { verifySlack } from './verify-slack';
import { verifyStandardWebhooks } from './verify-standard-webhooks';
import { verifyStripe } from './verify-stripe';
import { verifyTrello } from './verify-trello';

export type { HmacOptions, RejectReason, SignatureScheme, VerifyResult } from './types';

export const DEFAULT_TOLERANCE_SECONDS = 300;

const VERIFIERS: Record<SignatureScheme, Verifier> = {
  'standard-webhooks': verifyStandardWebhooks,
  stripe: verifyStripe,
  slack: verifySlack,
  github: verifyGithub,
  shopify: verifyShopify,
  trello: verifyTrello,
  'hmac-sha256': verifyHmacSha256,
};

/** Every scheme verifyWebhook knows. */
export const SIGNATURE_SCHEMES = Object.keys(VERIFIERS) as SignatureScheme[];

export function isSupportedScheme(scheme: string): scheme is SignatureScheme {
  return Object.hasOwn(VERIFIERS, scheme);
}

/**
 * Verifies a webhook's signature over its raw bytes, in constant time, against any of `secrets`
 * (rotation). Timestamped schemes (standard-webhooks, stripe, slack) reject timestamps older or newer
 * than `toleranceSeconds` (default 300). Never throws; an unknown scheme or no secret never verifies.
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
    const verifier = isSupportedScheme(scheme) ? VERIFIERS[scheme] : undefined;
    const usable = Array.isArray(secrets) ? secrets.filter((s) => typeof s === 'string' && s.length > 0) : [];
    if (!verifier || usable.length === 0) return { ok: false, reason: 'signature_mismatch' };
    const req: SignedRequest = {
      headers: normalizeHeaders(request?.headers),
      rawBody: Buffer.isBuffer(request?.rawBody)
        ? request.rawBody
        : Buffer.from(String(request?.rawBody ?? ''), 'utf8'),
      url: typeof request?.url === 'string' ? request.url : undefined,
    };
    const opts = options ?? {};
    const now = opts.now instanceof Date && !Number.isNaN(opts.now.getTime()) ? opts.now : new Date();
    const tolerance =
      typeof opts.toleranceSeconds === 'number' && opts.toleranceSeconds >= 0
        ? opts.toleranceSeconds
        : DEFAULT_TOLERANCE_SECONDS;
    return verifier(req, usable, { now, toleranceSeconds: tolerance, hmac: opts.hmac });
  } catch {
    return { ok: false, reason: 'malformed_header' };
  }
}
