import type { Scenario } from '../figure';
import { coldStart } from './cold-start';
import { cost } from './cost';
import { processor } from './processor';
import { recordsApi } from './records-api';
import { backfill } from './backfill';
import { rateLimitedSync } from './rate-limited-sync';
import { webhookIngest } from './webhook-ingest';

/** Every benchmark scenario; each lives in its own file in this folder. */
export const scenarios: Scenario[] = [webhookIngest, rateLimitedSync, backfill, processor, coldStart, cost, recordsApi];
