import type { Scenario } from '../figure';
import { backfill } from './backfill';
import { rateLimitedSync } from './rate-limited-sync';

/** Every benchmark scenario; each lives in its own file in this folder. */
export const scenarios: Scenario[] = [rateLimitedSync, backfill];
