import { boundedKey, MAX_RECORD_KEY_BYTES, MAX_RECORD_TYPE_BYTES } from './bounded-key';
import { IntegrationError } from './errors';
import { emitMetric, METRIC } from './metrics';
import { toWebhookEvent, type EventEnvelope } from './event-message';
import type { Telemetry } from './ports';
import type { RecordStore, UpsertOutcome } from './records';
import { collectDrift, DriftTally, type RecentFields, reportDrift } from './schema-drift';
import type { Registry } from './provider';

export interface ProcessDeps {
  registry: Registry;
  records: RecordStore;
  telemetry: Telemetry;
  now(): number;
  /** Which drifted fields were logged lately (one per handler): a field's warn line once per window, not per event. */
  driftLog?: RecentFields;
}

export type ProcessSummary = Record<UpsertOutcome, number>;

/** A second copy of an event already applied: every record it maps to already holds its version. */
export const appliedBefore = (s: ProcessSummary): boolean => s.duplicate > 0 && s.written === 0 && s.stale === 0;

const OUTCOME_METRIC = {
  written: METRIC.RecordsWritten,
  stale: METRIC.StaleSkipped,
  duplicate: METRIC.DuplicatesSkipped,
} as const satisfies Record<UpsertOutcome, string>;

/**
 * Applies one queued webhook event: the provider's mapping, then upsert-if-newer per entity.
 * Throws IntegrationError('invalid_payload') for events no retry can fix.
 */
export async function processEvent(envelope: EventEnvelope, deps: ProcessDeps): Promise<ProcessSummary> {
  const def = deps.registry(envelope.provider);
  if (!def?.webhook) throw new IntegrationError('invalid_payload', `unknown provider ${envelope.provider}`);
  let event: ReturnType<typeof toWebhookEvent>;
  try {
    event = toWebhookEvent(envelope);
  } catch (err) {
    if (err instanceof IntegrationError) throw err;
    throw new IntegrationError('invalid_payload', 'queued body is not JSON');
  }
  const { value: changes, drift } = collectDrift(() => def.webhook!.map(event));
  const summary: ProcessSummary = { written: 0, stale: 0, duplicate: 0 };
  const dims = { provider: def.name, operation: 'webhook' };
  if (drift.length > 0) {
    const tally = new DriftTally();
    tally.add(drift);
    reportDrift(
      deps.telemetry,
      tally.counts(),
      dims,
      { event_id: envelope.eventId },
      (field) => deps.driftLog?.first(`${def.name}:${field}`, deps.now()) ?? true,
    );
  }
  for (const mapped of changes) {
    // Types and keys may come from headers (GitHub's event name, Shopify's shop): bounded under DynamoDB's key limit.
    const change = {
      ...mapped,
      type: boundedKey(mapped.type, MAX_RECORD_TYPE_BYTES),
      key: boundedKey(mapped.key, MAX_RECORD_KEY_BYTES),
    };
    const outcome = await deps.records.upsertIfNewer(def.name, change, {
      eventId: envelope.eventId,
      receivedAt: envelope.receivedAt,
      now: deps.now(),
    });
    summary[outcome] += 1;
    emitMetric(deps.telemetry, OUTCOME_METRIC[outcome], 1, 'Count', dims);
  }
  const warning = def.webhook.senderWarning?.(event);
  if (warning) {
    emitMetric(deps.telemetry, METRIC.SenderWarnings, 1, 'Count', { ...dims, reason: warning });
    deps.telemetry.log('warn', 'webhook sender throttles or disabled our deliveries', {
      provider: def.name,
      event_id: envelope.eventId,
      reason: warning,
    });
  }
  // A second copy of an event already applied says nothing of how late events apply.
  const eventTime = def.webhook.eventTime?.(event) ?? envelope.receivedAt;
  if (!appliedBefore(summary))
    emitMetric(deps.telemetry, METRIC.EventLagMs, Math.max(0, deps.now() - eventTime), 'Milliseconds', dims);
  return summary;
}
