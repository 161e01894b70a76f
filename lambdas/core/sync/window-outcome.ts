import type { PagePosition } from '../client/types';
import type { IntegrationError } from '../errors';

/** How a window ended: synced to its last page, or stopped at `position` by the deadline or an error. */
export type WindowOutcome =
  | { ok: true }
  | { ok: false; position?: PagePosition; pages: number; stop?: 'deadline'; error?: IntegrationError };

export type WindowFailure = Extract<WindowOutcome, { ok: false }>;
