export type SignatureScheme =
  | 'standard-webhooks'
  | 'stripe'
  | 'slack'
  | 'github'
  | 'shopify'
  | 'trello'
  | 'hmac-sha256';

export type RejectReason = 'missing_header' | 'malformed_header' | 'timestamp_out_of_tolerance' | 'signature_mismatch';

export type VerifyResult = { ok: true } | { ok: false; reason: RejectReason };

export interface SignedRequest {
  /** Lower-cased header names (see normalizeHeaders). */
  headers: Record<string, string>;
  rawBody: Buffer;
  /** The exact public URL the provider called (Trello signs it). */
  url?: string;
}

export interface VerifyOptions {
  now: Date;
  toleranceSeconds: number;
  /** For `hmac-sha256`: which header, what prefix, which encoding. */
  hmac?: HmacOptions;
}

export interface HmacOptions {
  header: string;
  prefix?: string;
  encoding?: 'hex' | 'base64';
}

/** One scheme: a pure function of the request, the candidate secrets and the options. */
export type Verifier = (req: SignedRequest, secrets: string[], opts: VerifyOptions) => VerifyResult;

export const ACCEPT: VerifyResult = { ok: true };

/** A rejection with its reason (what the 401 body and the SignatureRejected metric carry). */
export const reject = (reason: RejectReason): VerifyResult => ({ ok: false, reason });
