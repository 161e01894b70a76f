import { emitMetric, METRIC, statusClass, type StatusClass } from '../metrics';
import type { LogLevel, Telemetry } from '../ports';
import { noticeSignature } from './api-notice';
import type { ApiNotice } from './api-notice';
import type { AttemptEvent, CallEndedEvent, ClientEvent, ClientListener, PageEvent, TokenEvent } from './types';

function classOf(e: AttemptEvent): StatusClass | undefined {
  if (e.outcome === 'timeout') return 'timeout';
  // A rate limit reported in a 200 body (API-Football) counts as the 429 it stands for.
  if (e.outcome === 'rate_limited') return '429';
  if (e.outcome === 'network') return 'network';
  return e.status === undefined ? undefined : statusClass(e.status);
}

const DAY_MS = 86_400_000;
/** A notice unchanged since it was last logged is logged again after this long (metrics go out every time). */
const NOTICE_LOG_EVERY_MS = 60 * 60 * 1000;

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** The log fields of a deprecation notice: the endpoint, its dates and where to read more. */
function noticeFields(e: AttemptEvent, n: ApiNotice): Record<string, unknown> {
  return {
    third_party: e.provider,
    endpoint: e.operation,
    trace_id: e.traceId,
    http_status: e.status,
    deprecated: n.deprecated,
    deprecation_date: iso(n.deprecatedAt),
    sunset_date: iso(n.sunsetAt),
    ...(n.sunsetAt !== undefined ? { sunset_in_days: Math.floor((n.sunsetAt - e.at) / DAY_MS) } : {}),
    ...(n.links.deprecation ? { deprecation_link: n.links.deprecation } : {}),
    ...(n.links.sunset ? { sunset_link: n.links.sunset } : {}),
    ...(n.warnings.length > 0 ? { warnings: n.warnings } : {}),
    ...(Object.keys(n.notices).length > 0 ? { notices: n.notices } : {}),
  };
}

const STATUS_METRIC: Partial<Record<StatusClass, string>> = {
  '4xx': METRIC.Http4xx,
  '429': METRIC.Http429,
  '5xx': METRIC.Http5xx,
  timeout: METRIC.Timeouts,
  network: METRIC.NetworkErrors,
};

/** Which call a line is about. */
const callFields = (e: { provider: string; operation: string; traceId: string }) => ({
  third_party: e.provider,
  endpoint: e.operation,
  trace_id: e.traceId,
});

/** A notice's metrics on every response; its warn line when first seen, when it changes, and hourly after that. */
function noticeReporter(telemetry: Telemetry): (event: AttemptEvent, notice: ApiNotice) => void {
  const logged = new Map<string, { signature: string; at: number }>();
  return (event, notice) => {
    const dims = { provider: event.provider, operation: event.operation };
    emitMetric(telemetry, METRIC.DeprecationSeen, 1, 'Count', dims);
    if (notice.sunsetAt !== undefined)
      emitMetric(telemetry, METRIC.SunsetDays, (notice.sunsetAt - event.at) / DAY_MS, 'None', dims);
    const key = `${event.provider} ${event.operation}`;
    const signature = noticeSignature(notice);
    const last = logged.get(key);
    if (!last || last.signature !== signature || event.at - last.at >= NOTICE_LOG_EVERY_MS) {
      logged.set(key, { signature, at: event.at });
      telemetry.log('warn', 'provider deprecation notice', noticeFields(event, notice));
    }
  };
}

function attemptSeen(telemetry: Telemetry, e: AttemptEvent): void {
  const [level, message]: [LogLevel, string] =
    e.outcome === 'ok'
      ? ['info', 'provider call']
      : e.retrying
        ? ['warn', 'provider call failed, retrying']
        : ['error', 'provider call failed'];
  telemetry.log(level, message, {
    ...callFields(e),
    attempt: e.attempt,
    http_status: e.status ?? null,
    request_id: e.requestId ?? null,
    duration_ms: e.durationMs,
    error_code: e.errorCode ?? null,
    error_message: e.errorMessage ?? null,
    ...(e.retrying ? { retry_in_ms: e.waitMs } : {}),
  });
  const cls = classOf(e);
  if (cls === undefined) return; // no request went out (credentials unavailable)
  const dims = { provider: e.provider, operation: e.operation };
  emitMetric(telemetry, METRIC.Requests, 1, 'Count', { ...dims, status_class: cls });
  const specific = STATUS_METRIC[cls];
  if (specific) emitMetric(telemetry, specific, 1, 'Count', dims);
  emitMetric(telemetry, METRIC.LatencyMs, e.durationMs, 'Milliseconds', dims);
  if (e.attempt > 1) emitMetric(telemetry, METRIC.RetryAttempts, 1, 'Count', dims);
}

function callNotAttempted(telemetry: Telemetry, e: CallEndedEvent): void {
  const refused = e.errorCode === 'circuit_open';
  // Every refused call counts, not only the opening: the circuit-open alarm stays red while the provider is down.
  if (refused) emitMetric(telemetry, METRIC.CircuitOpen, 1, 'Count', { provider: e.provider, operation: e.operation });
  telemetry.log(refused ? 'warn' : 'error', 'provider call not attempted', {
    ...callFields(e),
    attempt: e.attempt,
    http_status: null,
    request_id: null,
    duration_ms: 0,
    error_code: e.errorCode,
    error_message: e.errorMessage,
    ...(e.resumeAt ? { resume_at: new Date(e.resumeAt).toISOString() } : {}),
  });
}

function tokenRequested(telemetry: Telemetry, e: TokenEvent): void {
  telemetry.log(e.ok ? 'info' : 'error', e.ok ? 'oauth token issued' : 'oauth token request failed', {
    third_party: e.provider,
    endpoint: 'oauth-token',
    http_status: e.status ?? null,
    duration_ms: e.durationMs,
    error_code: e.errorCode ?? null,
  });
  const dims = { provider: e.provider, operation: 'oauth-token' };
  if (e.status !== undefined)
    emitMetric(telemetry, METRIC.Requests, 1, 'Count', { ...dims, status_class: statusClass(e.status) });
  emitMetric(telemetry, METRIC.LatencyMs, e.durationMs, 'Milliseconds', dims);
}

function pageSeen(telemetry: Telemetry, e: PageEvent): void {
  telemetry.log(e.errorCode ? 'error' : 'info', e.errorCode ? 'page failed' : 'page fetched', {
    ...callFields(e),
    page: e.page,
    ...e.position,
    records: e.records,
    quarantined: e.quarantined,
    ...(e.stop ? { stop: e.stop } : {}),
    ...(e.errorCode ? { error_code: e.errorCode, error_message: e.errorMessage } : {}),
  });
  if (e.quarantined > 0)
    emitMetric(telemetry, METRIC.RecordsQuarantined, e.quarantined, 'Count', {
      provider: e.provider,
      operation: e.operation,
    });
}

/**
 * The one place client events become logs and metrics. Each attempt is one log line with
 * `third_party, endpoint, trace_id, attempt, http_status, request_id, duration_ms, error_code,
 * error_message` (the logger adds `timestamp` and `service`), and the metrics Requests{status_class},
 * Http4xx/Http429/Http5xx/Timeouts/NetworkErrors, LatencyMs and RetryAttempts; a breaker opening, and each
 * call an open breaker refuses, is CircuitOpen; each page is a log line naming its position, and RecordsQuarantined;
 * a deprecation notice is DeprecationSeen and the SunsetDays gauge on every response, and a warn line with the
 * endpoint and dates when first seen, when it changes, and hourly after that.
 * Event texts are sanitised by the client already; nothing here reads a header or a URL's query.
 *
 * @example
 * const client = createClient({ definition, secrets, time: realTime, onEvent: telemetryObserver(telemetry) });
 */
export function telemetryObserver(telemetry: Telemetry): ClientListener {
  const noticeSeen = noticeReporter(telemetry);
  return (event: ClientEvent) => {
    switch (event.type) {
      case 'attempt':
        if (event.notice) noticeSeen(event, event.notice);
        return attemptSeen(telemetry, event);
      case 'call_ended':
        return callNotAttempted(telemetry, event);
      case 'circuit':
        telemetry.log(event.state === 'open' ? 'error' : 'info', `circuit ${event.state}`, {
          third_party: event.provider,
        });
        if (event.state === 'open') emitMetric(telemetry, METRIC.CircuitOpen, 1, 'Count', { provider: event.provider });
        return;
      case 'token':
        return tokenRequested(telemetry, event);
      case 'page':
        return pageSeen(telemetry, event);
    }
  };
}
