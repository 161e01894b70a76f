/** A scheduled run the schedule could not run, read from a scheduler DLQ message: a poll or a recovery. */
export interface MissedRun {
  provider: string;
  /** What the schedule runs: the poller's `poll` or the recovery function's `recovery`. */
  kind: 'poll' | 'recovery';
  /** The poll's or the recovery's name. */
  name: string;
  /** Why, as the message says it (the function's error, or Scheduler's ERROR_CODE and ERROR_MESSAGE). */
  reason?: string;
}

const KINDS = ['poll', 'recovery'] as const;

/** The schedule's event: `{ provider, poll }` for the poller, `{ provider, recovery }` for a recovery. */
function runOf(v: unknown): Omit<MissedRun, 'reason'> | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const event = v as Record<string, unknown>;
  if (typeof event.provider !== 'string') return undefined;
  const kind = KINDS.find((k) => typeof event[k] === 'string');
  return kind ? { provider: event.provider, kind, name: event[kind] as string } : undefined;
}

/**
 * Reads a scheduler DLQ message: Lambda's async on-failure record (`requestPayload` is the schedule's event, the error
 * in `responsePayload`), or EventBridge Scheduler's dead letter (the body is the event, the error in the `ERROR_CODE` /
 * `ERROR_MESSAGE` attributes). Undefined when it is neither.
 *
 * @example
 * missedRun('{"provider":"github","recovery":"deliveries"}', { ERROR_CODE: 'AWS.Lambda.TooManyRequestsException' })
 * // { provider: 'github', kind: 'recovery', name: 'deliveries', reason: 'AWS.Lambda.TooManyRequestsException' }
 */
export function missedRun(body: string, attributes: Record<string, string> = {}): MissedRun | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const record = value as { requestPayload?: unknown; responsePayload?: { errorType?: string; errorMessage?: string } };
  const invoked = runOf(record.requestPayload);
  if (invoked) {
    const error = record.responsePayload;
    const reason = error ? [error.errorType, error.errorMessage].filter(Boolean).join(': ') : undefined;
    return { ...invoked, reason };
  }
  const scheduled = runOf(value);
  if (!scheduled) return undefined;
  const reason = [attributes.ERROR_CODE, attributes.ERROR_MESSAGE].filter(Boolean).join(': ') || undefined;
  return { ...scheduled, reason };
}
