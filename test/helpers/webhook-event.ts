import type { WebhookEvent } from '../../lambdas/core/provider';

/** A queued event as the processor hands it to a mapping. */
export function webhookEvent(
  provider: string,
  body: unknown,
  opts: { headers?: Record<string, string>; eventId?: string; rawBody?: string } = {},
): WebhookEvent {
  const rawBody = opts.rawBody ?? JSON.stringify(body);
  return {
    provider,
    eventId: opts.eventId ?? 'event-1',
    receivedAt: 1_700_000_000_000,
    headers: opts.headers ?? {},
    rawBody,
    body: opts.rawBody ? JSON.parse(opts.rawBody) : body,
  };
}

/** Runs `fn` and returns the IntegrationError kind it threw (or 'none'). */
export function thrownKind(fn: () => unknown): string {
  try {
    fn();
    return 'none';
  } catch (err) {
    return (err as { kind?: string }).kind ?? 'other';
  }
}
