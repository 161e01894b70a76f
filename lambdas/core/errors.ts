/**
 * Errors are values with a `kind` the caller can switch on and a metric can count.
 * Never put a secret, token or signature in `message`.
 */
export type ErrorKind =
  | 'retryable'
  | 'permanent'
  | 'rate_limited'
  | 'timeout'
  | 'circuit_open'
  | 'malformed_response'
  | 'auth'
  | 'invalid_signature'
  | 'invalid_payload';

export class IntegrationError extends Error {
  readonly kind: ErrorKind;
  readonly status?: number;
  readonly details?: Record<string, unknown>;

  constructor(kind: ErrorKind, message: string, opts: { status?: number; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'IntegrationError';
    this.kind = kind;
    this.status = opts.status;
    this.details = opts.details;
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
