/** What a function applies once: webhook events (the processor) and commands (the writer). */
export type OnceKind = 'webhook-event' | 'command';

/**
 * Powertools' key prefix for one provider's idempotency records, which it stores as `<prefix>#<hash of the key>`:
 * so every record is `<provider>#<kind>#<hash>`, led by the provider as IAM's `dynamodb:LeadingKeys` needs.
 *
 * @example
 * makeIdempotent(fn, { persistenceStore, keyPrefix: idempotencyPrefix('github', 'webhook-event') });
 * // records: 'github#webhook-event#<md5 of "github#<eventId>">'
 */
export const idempotencyPrefix = (provider: string, kind: OnceKind): string => `${provider}#${kind}`;
