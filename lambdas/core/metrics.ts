import type { MetricUnit, Telemetry } from './ports';

/** Constants named as they read (`names(['A']).A === 'A'`): each name spelled once, half the bytes in every bundle. */
const names = <const N extends string>(list: readonly N[]): { readonly [K in N]: K } =>
  Object.fromEntries(list.map((n) => [n, n])) as { readonly [K in N]: K };

/** Every metric the stack emits (one CloudWatch namespace). Alarms and dashboards refer to these names. */
export const METRIC = names([
  // outbound client, per attempt
  'Requests',
  'Http4xx',
  'Http429',
  'Http5xx',
  'Timeouts',
  'NetworkErrors',
  'LatencyMs',
  'RetryAttempts',
  'CircuitOpen',
  // provider API changes (Deprecation, Sunset, Warning and provider notice headers)
  'DeprecationSeen',
  // Days from the response to the endpoint's Sunset date (negative once past); a gauge.
  'SunsetDays',
  // webhooks
  'WebhooksReceived',
  'WebhooksMalformed',
  'WebhooksTooLarge',
  // Refused by the provider's source-IP allow list, before any signature work.
  'WebhooksSourceRefused',
  'EventsArchived',
  'SignatureRejected',
  'EventLagMs',
  'EventsFailed',
  'EventsDeadLettered',
  // Webhooks a recovery brought back that no delivery had applied (or a redelivery the provider accepted): missed ones.
  'EventsRecovered',
  // A sender said it throttled or turned off our deliveries (Slack's app_rate_limited).
  'SenderWarnings',
  // records
  'StaleSkipped',
  'DuplicatesSkipped',
  'RecordsWritten',
  'RecordsUnchanged',
  'RecordsQuarantined',
  // sync and writes
  'GapsOpen',
  // Age of the poll's oldest open gap (0 when none), after every run: what the gaps-open alarm watches.
  'OldestGapAgeMs',
  // Open gaps that failed `SYNC_DEFAULTS.gapFailingAttempts` times or more, after every run.
  'GapsFailing',
  'CommandsFailed',
  // Records that passed validation but carried a field or enum value the schema does not know (per field).
  'SchemaDrift',
  // writes (commands): accepted at the route, rejected there (400/404/409), done, retried, reconciled, no-op
  'CommandsAccepted',
  'CommandsRejected',
  'CommandsSucceeded',
  'CommandsRetried',
  'CommandsReconciled',
  'WritesUnchanged',
  // change events: put on the bus, dead-lettered (no event can be made); routes: matched, commands queued, refused
  'ChangesPublished',
  'ChangesDeadLettered',
  'RoutesMatched',
  'RouteCommandsQueued',
  'RouteCommandsRefused',
]);

export type MetricName = (typeof METRIC)[keyof typeof METRIC] | (string & {});

/**
 * Count metrics that state a level rather than count occurrences: their values are kept apart, never added up (every
 * other Count is an occurrence count, which a flush may send as one sum: alarms and widgets read counts by Sum).
 */
export const GAUGE_COUNTS: ReadonlySet<string> = new Set([METRIC.GapsOpen, METRIC.GapsFailing, METRIC.CircuitOpen]);

export type StatusClass = '2xx' | '3xx' | '4xx' | '429' | '5xx' | 'timeout' | 'network';

export interface MetricDimensions {
  provider: string;
  /** Endpoint, poll or command operation; `webhook` for the ingest path. */
  operation?: string;
  status_class?: StatusClass;
  /** Why something was rejected (SignatureRejected). */
  reason?: string;
  /** Which record field drifted (SchemaDrift); bounded per run by the caller. */
  field?: string;
}

/**
 * Emits one metric under the dimension sets alarms and dashboards query:
 * `{provider}` (per-provider alarms), `{provider, operation}` (per-operation alarms and widgets),
 * plus `{provider, operation, status_class}`, `{provider, reason}` and `{provider, operation, field}` when given
 * (breakdowns).
 *
 * @example
 * emitMetric(telemetry, METRIC.Requests, 1, 'Count', { provider: 'github', operation: 'GET /repos', status_class: '2xx' });
 */
export function emitMetric(
  t: Telemetry,
  name: MetricName,
  value: number,
  unit: MetricUnit,
  dims: MetricDimensions,
): void {
  t.metric(name, value, unit, { provider: dims.provider });
  if (dims.operation) t.metric(name, value, unit, { provider: dims.provider, operation: dims.operation });
  if (dims.operation && dims.status_class)
    t.metric(name, value, unit, {
      provider: dims.provider,
      operation: dims.operation,
      status_class: dims.status_class,
    });
  if (dims.reason) t.metric(name, value, unit, { provider: dims.provider, reason: dims.reason });
  if (dims.operation && dims.field)
    t.metric(name, value, unit, { provider: dims.provider, operation: dims.operation, field: dims.field });
}

/**
 * The status class of an HTTP status, as metrics and dashboards group it.
 *
 * @example
 * statusClass(429) // '429' (apart from the other 4xx)
 */
export function statusClass(status: number): StatusClass {
  if (status === 429) return '429';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}
