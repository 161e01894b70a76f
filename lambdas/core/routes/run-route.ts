import type { ChangeDetail } from '../changes/schema';
import { IntegrationError } from '../errors';
import { ATTR } from '../event-message';
import { emitMetric, METRIC } from '../metrics';
import type { QueueSender, Telemetry } from '../ports';
import type { StoredRecord } from '../records';
import { type AcceptDeps, acceptCommand } from '../writes/accept';
import { type Route, routeCommandId } from './route';
import { render, templateContext } from './template';
import { changeView, matches } from './when';

export interface RouteDeps {
  /** What `POST /commands/{provider}` runs with: the command goes through the same checks and bookkeeping. */
  accept: AcceptDeps;
  /** The whole record of a change event that left fields out (over 256 KB): its latest version, for the template. */
  readRecord?(provider: string, type: string, key: string): Promise<StoredRecord | undefined>;
  /** The change DLQ: commands the target refused (400, 404, 409, 413), with the reason. */
  dlq: QueueSender;
  telemetry: Telemetry;
}

/** What a route did with one change: not its change, a command queued, or a command refused (in the DLQ). */
export type RouteOutcome = 'skipped' | 'queued' | 'refused';

/** The record a template renders: the event's, or the table's whole record when the event left fields out. */
async function recordOf(detail: ChangeDetail, deps: RouteDeps): Promise<Record<string, unknown> | undefined> {
  if (detail.record && !detail.omitted?.length) return detail.record;
  const stored = await deps.readRecord?.(detail.provider, detail.type, detail.key);
  return stored?.data ?? detail.record;
}

/**
 * Runs one route on one change event: its provider and type, then its `when` (which EventBridge patterns cannot
 * say: "becomes" and "added" compare the field before and after); on a match, the input rendered from the record
 * becomes a command with the id `<route>.<event id>`, accepted exactly as `POST /commands/{provider}` accepts one
 * (validated, recorded, queued). The same event again (a redelivery, a replay) makes the same command, which the
 * writer runs once. A command the target refuses goes to the change DLQ with the reason; an unavailable queue
 * or store throws a retryable error, for another delivery.
 *
 * @example
 * const outcome = await runRoute(route, event.detail, { accept, dlq, telemetry }); // 'queued'
 */
export async function runRoute(route: Route, detail: ChangeDetail, deps: RouteDeps): Promise<RouteOutcome> {
  if (detail.provider !== route.on.provider || detail.type !== route.on.type) return 'skipped';
  // `when` reads the event alone, so every copy of it decides the same; fields it left out never match.
  if (route.on.when && !matches(route.on.when, changeView(detail, detail.record))) return 'skipped';
  const record = await recordOf(detail, deps);
  const commandId = routeCommandId(route.name, detail.eventId);
  const log = { route: route.name, provider: route.do.provider, event_id: detail.eventId, command_id: commandId };
  emitMetric(deps.telemetry, METRIC.RoutesMatched, 1, 'Count', { provider: route.on.provider, operation: route.name });
  deps.telemetry.log('info', 'route matched', { ...log, source: detail.provider, record_type: detail.type });
  const input = render(route.do.input, templateContext(detail, record ?? {}));
  const body = JSON.stringify({ commandId, operation: route.do.operation, input, correlationId: detail.eventId });
  const res = await acceptCommand({ provider: route.do.provider, method: 'POST', body }, deps.accept);
  const dims = { provider: route.do.provider, operation: route.name };
  if (res.statusCode === 202) {
    emitMetric(deps.telemetry, METRIC.RouteCommandsQueued, 1, 'Count', dims);
    deps.telemetry.log('info', 'route command queued', log);
    return 'queued';
  }
  if (res.statusCode >= 500) throw new IntegrationError('retryable', `route ${route.name}: commands unavailable`);
  const reason = `route ${route.name}: ${route.do.provider} refused the command (${res.statusCode} ${res.body.slice(0, 500)})`;
  await deps.dlq.send({
    body: JSON.stringify({
      stage: 'route',
      route: route.name,
      eventId: detail.eventId,
      commandId,
      status: res.statusCode,
    }),
    attributes: {
      [ATTR.provider]: route.do.provider,
      [ATTR.eventId]: detail.eventId,
      [ATTR.failureKind]: 'permanent',
      [ATTR.failureReason]: reason,
    },
  });
  emitMetric(deps.telemetry, METRIC.RouteCommandsRefused, 1, 'Count', dims);
  deps.telemetry.log('error', 'route command refused', { ...log, status: res.statusCode });
  return 'refused';
}
