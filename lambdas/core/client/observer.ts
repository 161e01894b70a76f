import { emitMetric, METRIC, statusClass, type StatusClass } from '../metrics';
import type { LogLevel, Telemetry } from '../ports';
import { noticeSignature } from './api-notice';
import type { ApiNotice } from './api-notice';
import type { AttemptEvent, ClientEvent, ClientListener } from './types';

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

/**
 * The one place client events become logs and metrics. Each attempt is one log line with
 * `third_party, endpoint, trace_id, attempt, http_status, request_id, duration_ms, error_code,
 * error_message` (the logger adds `timestamp` and `service`), and the metrics Requests{status_class},
 * Http4xx/Http429/Http5xx/Timeouts/NetworkErrors, LatencyMs and RetryAttempts; a breaker opening, and each
 * call an open breaker refuses, is CircuitOpen; each page is a log line naming its position, and RecordsQuarantined; a deprecation notice is
 * DeprecationSeen and the SunsetDays gauge on every response, and a warn line with the endpoint and dates
 * when first seen, when it changes, and hourly after that.
 * Event texts are sanitised by the client already; nothing here reads a header or a URL's query.
 *
 * @example
 * const client = createClient({ definition, secrets, time: realTime, onEvent: telemetryObserver(telemetry) });
 */
export function telemetryObserver(telemetry: Telemetry): ClientListener {
  const noticeLogged = new Map<string, { signature: string; at: number }>();
  const noticeSeen = (event: AttemptEvent, notice: ApiNotice): void => {
    const dims = { provider: event.provider, operation: event.operation };
    emitMetric(telemetry, METRIC.DeprecationSeen, 1, 'Count', dims);
    if (notice.sunsetAt !== undefined)
      emitMetric(telemetry, METRIC.SunsetDays, (notice.sunsetAt - event.at) / DAY_MS, 'None', dims);
    const key = `${event.provider} ${event.operation}`;
    const signature = noticeSignature(notice);
    const last = noticeLogged.get(key);
    if (!last || last.signature !== signature || event.at - last.at >= NOTICE_LOG_EVERY_MS) {
      noticeLogged.set(key, { signature, at: event.at });
      telemetry.log('warn', 'provider deprecation notice', noticeFields(event, notice));
    }
  };
  return (event: ClientEvent) => {
    switch (event.type) {
      case 'attempt': {
        if (event.notice) noticeSeen(event, event.notice);
        const level: LogLevel = event.outcome === 'ok' ? 'info' : event.retrying ? 'warn' : 'error';
        telemetry.log(
          level,
          event.outcome === 'ok'
            ? 'provider call'
            : event.retrying
              ? 'provider call failed, retrying'
              : 'provider call failed',
          {
            third_party: event.provider,
            endpoint: event.operation,
            trace_id: event.traceId,
            attempt: event.attempt,
            http_status: event.status ?? null,
            request_id: event.requestId ?? null,
            duration_ms: event.durationMs,
            error_code: event.errorCode ?? null,
            error_message: event.errorMessage ?? null,
            ...(event.retrying ? { retry_in_ms: event.waitMs } : {}),
          },
        );
        const cls = classOf(event);
        if (cls === undefined) return; // no request went out (credentials unavailable)
        const dims = { provider: event.provider, operation: event.operation };
        emitMetric(telemetry, METRIC.Requests, 1, 'Count', { ...dims, status_class: cls });
        const specific = STATUS_METRIC[cls];
        if (specific) emitMetric(telemetry, specific, 1, 'Count', dims);
        emitMetric(telemetry, METRIC.LatencyMs, event.durationMs, 'Milliseconds', dims);
        if (event.attempt > 1) emitMetric(telemetry, METRIC.RetryAttempts, 1, 'Count', dims);
        return;
      }
      case 'call_ended':
        // Every refused call counts, not only the opening: the circuit-open alarm stays red while the provider is down.
        if (event.errorCode === 'circuit_open')
          emitMetric(telemetry, METRIC.CircuitOpen, 1, 'Count', {
            provider: event.provider,
            operation: event.operation,
          });
        telemetry.log(event.errorCode === 'circuit_open' ? 'warn' : 'error', 'provider call not attempted', {
          third_party: event.provider,
          endpoint: event.operation,
          trace_id: event.traceId,
          attempt: event.attempt,
          http_status: null,
          request_id: null,
          duration_ms: 0,
          error_code: event.errorCode,
          error_message: event.errorMessage,
          ...(event.resumeAt ? { resume_at: new Date(event.resumeAt).toISOString() } : {}),
        });
        return;
      case 'circuit':
        telemetry.log(event.state === 'open' ? 'error' : 'info', `circuit ${event.state}`, {
          third_party: event.provider,
        });
        if (event.state === 'open') emitMetric(telemetry, METRIC.CircuitOpen, 1, 'Count', { provider: event.provider });
        return;
      case 'token': {
        telemetry.log(event.ok ? 'info' : 'error', event.ok ? 'oauth token issued' : 'oauth token request failed', {
          third_party: event.provider,
          endpoint: 'oauth-token',
          http_status: event.status ?? null,
          duration_ms: event.durationMs,
          error_code: event.errorCode ?? null,
        });
        const dims = { provider: event.provider, operation: 'oauth-token' };
        if (event.status !== undefined)
          emitMetric(telemetry, METRIC.Requests, 1, 'Count', { ...dims, status_class: statusClass(event.status) });
        emitMetric(telemetry, METRIC.LatencyMs, event.durationMs, 'Milliseconds', dims);
        return;
      }
      case 'page':
        telemetry.log(event.errorCode ? 'error' : 'info', event.errorCode ? 'page failed' : 'page fetched', {
          third_party: event.provider,
          endpoint: event.operation,
          trace_id: event.traceId,
          page: event.page,
          ...event.position,
          records: event.records,
          quarantined: event.quarantined,
          ...(event.stop ? { stop: event.stop } : {}),
          ...(event.errorCode ? { error_code: event.errorCode, error_message: event.errorMessage } : {}),
        });
        if (event.quarantined > 0)
          emitMetric(telemetry, METRIC.RecordsQuarantined, event.quarantined, 'Count', {
            provider: event.provider,
            operation: event.operation,
          });
        return;
    }
  };
}
