/**
 * Errors are values with a `kind` the caller can switch on and a metric can count.
 * Never put a secret, token or signature in `message`.
 */
export type ErrorKind =
  | 'retryable'
  | 'permanent'
  | 'rate_limited'
  /** A quota that resets at `resumeAt` (API-Football's daily requests): never retried before then. */
  | 'quota_exhausted'
  | 'timeout'
  | 'circuit_open'
  | 'malformed_response'
  | 'auth'
  | 'invalid_signature'
  | 'invalid_payload';

export interface IntegrationErrorOptions {
  status?: number;
  details?: Record<string, unknown>;
  cause?: unknown;
  requestId?: string;
  attempts?: number;
  resumeAt?: number;
}

export class IntegrationError extends Error {
  readonly kind: ErrorKind;
  readonly status?: number;
  readonly details?: Record<string, unknown>;
  /** The provider's request id of the last response, when it sent one (outbound client). */
  readonly requestId?: string;
  /** How many attempts the call made (outbound client). */
  readonly attempts?: number;
  /**
   * For `rate_limited` and `quota_exhausted`: when the provider accepts calls again (epoch ms), so a sync can
   * checkpoint and resume.
   */
  readonly resumeAt?: number;

  constructor(kind: ErrorKind, message: string, opts: IntegrationErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'IntegrationError';
    this.kind = kind;
    this.status = opts.status;
    this.details = opts.details;
    this.requestId = opts.requestId;
    this.attempts = opts.attempts;
    this.resumeAt = opts.resumeAt;
  }
}

/** A failure no retry can fix: the message goes to the DLQ at once, with this reason. */
export function permanent(message: string, details?: Record<string, unknown>): IntegrationError {
  return new IntegrationError('permanent', message, { details });
}

export function isPermanent(err: unknown): boolean {
  return err instanceof IntegrationError && (err.kind === 'permanent' || err.kind === 'invalid_payload');
}

/** A short, log-safe description of any thrown value. */
export function describeError(err: unknown): { kind: string; message: string } {
  if (err instanceof IntegrationError) return { kind: err.kind, message: err.message };
  if (err instanceof Error) return { kind: err.name || 'Error', message: err.message };
  return { kind: 'unknown', message: String(err) };
}
