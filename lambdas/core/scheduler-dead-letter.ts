/** A poll the schedule could not run, read from a scheduler DLQ message. */
export interface MissedPoll {
  provider: string;
  poll: string;
  /** Why, as the message says it (the function's error, or Scheduler's ERROR_CODE and ERROR_MESSAGE). */
  reason?: string;
}

const isPollEvent = (v: unknown): v is { provider: string; poll: string } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Record<string, unknown>).provider === 'string' &&
  typeof (v as Record<string, unknown>).poll === 'string';

/**
 * Reads a scheduler DLQ message: Lambda's async on-failure record (`requestPayload` is the poll event, the error in
 * `responsePayload`), or EventBridge Scheduler's dead letter (the body is the poll event, the error in the
 * `ERROR_CODE` / `ERROR_MESSAGE` attributes). Undefined when it is neither.
 *
 * @example
 * missedPoll('{"requestPayload":{"provider":"football","poll":"fixtures"},"responsePayload":{"errorMessage":"boom"}}')
 * // { provider: 'football', poll: 'fixtures', reason: 'boom' }
 */
export function missedPoll(body: string, attributes: Record<string, string> = {}): MissedPoll | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const record = value as { requestPayload?: unknown; responsePayload?: { errorType?: string; errorMessage?: string } };
  if (isPollEvent(record.requestPayload)) {
    const error = record.responsePayload;
    const reason = error ? [error.errorType, error.errorMessage].filter(Boolean).join(': ') : undefined;
    return { provider: record.requestPayload.provider, poll: record.requestPayload.poll, reason };
  }
  if (!isPollEvent(value)) return undefined;
  const reason = [attributes.ERROR_CODE, attributes.ERROR_MESSAGE].filter(Boolean).join(': ') || undefined;
  return { provider: value.provider, poll: value.poll, reason };
}
