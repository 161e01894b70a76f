import * as z from 'zod/mini';
import { IntegrationError } from '../../core/errors';
import type { SecretStore } from '../../core/ports';
import { instant } from '../../core/sync/windows';

/** Where a window a run left continues (the sync CLI's `--aws` sends it back as `start`). */
export const pagePositionSchema = z.object({
  page: z.optional(z.number()),
  offset: z.optional(z.number()),
  cursor: z.optional(z.string()),
  url: z.optional(z.string()),
});

/**
 * The explicit span of an on-demand run (`from`/`to`, ISO, together), or undefined for a scheduled run.
 *
 * @example
 * eventRange('2024-08-01', '2024-08-02') // { from: 1722470400000, to: 1722556800000 }
 */
export function eventRange(from: string | undefined, to: string | undefined): { from: number; to: number } | undefined {
  if ((from === undefined) !== (to === undefined))
    throw new IntegrationError('invalid_payload', 'from and to go together');
  try {
    return from !== undefined && to !== undefined ? { from: instant(from), to: instant(to) } : undefined;
  } catch (err) {
    throw new IntegrationError('invalid_payload', (err as Error).message);
  }
}

/** For a function whose sources have no targets: asking for one is a configuration error. */
export const NO_SECRETS: SecretStore = {
  get: (provider, name) => Promise.reject(new Error(`no secret store for ${provider}/${name}`)),
};
