/**
 * What a function applies once through Powertools: commands (the writer). Webhook events need no record: the
 * records table's version condition applies each once.
 */
export type OnceKind = 'command';

/**
 * Powertools' key prefix for one provider's idempotency records, which it stores as `<prefix>#<hash of the key>`:
 * so every record is `<provider>#<kind>#<hash>`, led by the provider as IAM's `dynamodb:LeadingKeys` needs.
 *
 * @example
 * makeIdempotent(fn, { persistenceStore, keyPrefix: idempotencyPrefix('trello', 'command') });
 * // records: 'trello#command#<md5 of "trello#<commandId>">'
 */
export const idempotencyPrefix = (provider: string, kind: OnceKind): string => `${provider}#${kind}`;
