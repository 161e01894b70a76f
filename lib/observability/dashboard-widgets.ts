import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AlarmStatusWidget,
  AlarmStatusWidgetSortBy,
  Column,
  GraphWidget,
  MathExpression,
  Metric,
  Row,
  TextWidget,
  type IAlarm,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { ROUTE_METRIC } from '../../lambdas/core/alarm-rules';
import { METRIC } from '../../lambdas/core/metrics';
import { METRICS_SERVICE } from '../../lambdas/core/env-contract';

const PERIOD = Duration.minutes(1);

/**
 * A widget whose content is built when the dashboard renders (at synth), so integrations can register
 * parts of a provider's section in any order and the section still comes out in one piece.
 */
export class LazyWidget implements IWidget {
  readonly warningsV2 = undefined;
  private built?: IWidget;

  constructor(private readonly build: () => IWidget[][]) {}

  private get widget(): IWidget {
    this.built ??= new Column(
      ...this.build()
        .filter((row) => row.length > 0)
        .map((row) => new Row(...row)),
    );
    return this.built;
  }

  get width(): number {
    return this.widget.width;
  }

  get height(): number {
    return this.widget.height;
  }

  position(x: number, y: number): void {
    this.widget.position(x, y);
  }

  toJson(): unknown[] {
    return this.widget.toJson();
  }
}

/** What a provider's dashboard section shows; filled by the ProviderMonitoring facade. */
export interface ProviderSectionState {
  provider: string;
  displayName: string;
  client: boolean;
  webhook?: { queue: IQueue; dlq: IQueue; route?: string };
  sync: boolean;
  writes: boolean;
  /** The command queue, when the provider has writes: backlog and age. */
  commandQueue?: IQueue;
  /** Every other queue registered for the provider (command, scheduler DLQs): depth only. */
  queues: { label: string; queue: IQueue }[];
}

const graph = (
  title: string,
  left: IMetric[],
  opts: { right?: IMetric[]; width?: number; leftLabel?: string; rightLabel?: string } = {},
) =>
  new GraphWidget({
    title,
    left,
    right: opts.right,
    width: opts.width ?? 6,
    height: 6,
    period: PERIOD,
    leftYAxis: { min: 0, label: opts.leftLabel, showUnits: false },
    rightYAxis: opts.right ? { min: 0, label: opts.rightLabel, showUnits: false } : undefined,
  });

/** One provider's metrics: its own (stack) metrics, SEARCH breakdowns by dimension, and rates of requests. */
interface SectionMetrics {
  metric(name: string, statistic?: string, label?: string): Metric;
  search(dims: string, name: string, statistic: string, label: string): MathExpression;
  rate(numerator: string, label: string): MathExpression;
}

function sectionMetrics(namespace: string, provider: string): SectionMetrics {
  const metric = (name: string, statistic = 'Sum', label?: string) =>
    new Metric({
      namespace,
      metricName: name,
      dimensionsMap: { service: METRICS_SERVICE, provider },
      statistic,
      period: PERIOD,
      label: label ?? name,
    });
  return {
    metric,
    search: (dims, name, statistic, label) =>
      new MathExpression({
        expression: `SEARCH('{${namespace},${dims}} MetricName="${name}" provider="${provider}"', '${statistic}', 60)`,
        label,
        period: PERIOD,
        usingMetrics: {},
      }),
    rate: (num, label) =>
      new MathExpression({
        expression: `100 * FILL(n${num}, 0) / requests`,
        usingMetrics: { [`n${num}`]: metric(num), requests: metric(METRIC.Requests) },
        label,
        period: PERIOD,
      }),
  };
}

/** Outbound calls: requests by operation and status class, error rates, 429s and retries, p95 latency. */
function clientRow({ metric, search, rate }: SectionMetrics): IWidget[] {
  return [
    graph('Requests by operation and status class', [
      search(
        'service,provider,operation,status_class',
        METRIC.Requests,
        'Sum',
        "${PROP('Dim.operation')} ${PROP('Dim.status_class')}",
      ),
    ]),
    graph(
      'Error rates (%)',
      [rate(METRIC.Http4xx, '4xx %'), rate(METRIC.Http429, '429 %'), rate(METRIC.Http5xx, '5xx %')],
      { leftLabel: '%' },
    ),
    graph('429s, timeouts, retries, circuit open', [
      metric(METRIC.Http429),
      metric(METRIC.Timeouts),
      metric(METRIC.NetworkErrors),
      metric(METRIC.RetryAttempts),
      metric(METRIC.CircuitOpen),
    ]),
    graph(
      'p95 latency by operation (ms)',
      [search('service,provider,operation', METRIC.LatencyMs, 'p95', "${PROP('Dim.operation')} p95")],
      { leftLabel: 'ms' },
    ),
  ];
}

/** Webhooks: received and rejected, queue depth and age, DLQ and failures, lag; then what the records got. */
function webhookRows(
  { metric, search }: SectionMetrics,
  { queue, dlq, route }: NonNullable<ProviderSectionState['webhook']>,
  namespace: string,
): IWidget[][] {
  const depth = [
    queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'visible' }),
    queue.metricApproximateNumberOfMessagesNotVisible({ period: PERIOD, statistic: 'Maximum', label: 'in flight' }),
  ];
  const age = queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum', label: 'oldest (s)' });
  return [
    [
      graph('Webhooks', [
        metric(METRIC.WebhooksReceived, 'Sum', 'received'),
        metric(METRIC.WebhooksMalformed, 'Sum', 'malformed'),
        search('service,provider,reason', METRIC.SignatureRejected, 'Sum', "rejected: ${PROP('Dim.reason')}"),
      ]),
      graph('Webhook queue depth and age', depth, { right: [age], rightLabel: 's' }),
      graph('Webhook DLQ depth and failures', [
        dlq.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'DLQ visible' }),
        metric(METRIC.EventsFailed, 'Sum', 'failed (retried)'),
        metric(METRIC.EventsDeadLettered, 'Sum', 'dead-lettered'),
      ]),
      graph('Event lag (ms)', [metric(METRIC.EventLagMs, 'p95', 'p95'), metric(METRIC.EventLagMs, 'p50', 'p50')], {
        leftLabel: 'ms',
      }),
    ],
    [
      graph(
        'Records',
        [
          metric(METRIC.RecordsWritten, 'Sum', 'written'),
          metric(METRIC.RecordsUnchanged, 'Sum', 'unchanged'),
          metric(METRIC.StaleSkipped, 'Sum', 'stale skipped'),
          metric(METRIC.DuplicatesSkipped, 'Sum', 'duplicates skipped'),
          metric(METRIC.RecordsQuarantined, 'Sum', 'quarantined'),
        ],
        // One row of 24 columns: records and missed share what the route graph leaves.
        { width: route ? 6 : 18 },
      ),
      // Above zero, deliveries were missed (recovery repaired them) or a sender without a replay API dropped some.
      graph('Webhooks missed', [
        metric(METRIC.EventsRecovered, 'Sum', 'recovered'),
        metric(METRIC.SenderWarnings, 'Sum', 'sender warnings'),
      ]),
      ...(route ? [routeGraph(namespace, route)] : []),
    ],
  ];
}

/** One webhook route as API Gateway answered it: requests, 4xx and 429 (route-metrics.ts). */
function routeGraph(namespace: string, route: string): IWidget {
  const count = (metricName: string, label: string) =>
    new Metric({ namespace, metricName, dimensionsMap: { route }, statistic: 'Sum', period: PERIOD, label });
  return graph(
    `Webhook route: requests, 4xx and 429 (${route})`,
    [count(ROUTE_METRIC.requests, 'requests'), count(ROUTE_METRIC.clientErrors, '4xx')],
    { right: [count(ROUTE_METRIC.throttled, '429')], rightLabel: '429', width: 12 },
  );
}

/** The last row, with what the provider runs: deprecations, gaps, schema drift, failed commands, other queues. */
function detailRow({ metric, search }: SectionMetrics, s: ProviderSectionState): IWidget[] {
  const row: IWidget[] = [];
  if (s.client)
    row.push(
      graph(
        'API deprecations: notices and days to sunset',
        [metric(METRIC.DeprecationSeen, 'Sum', 'deprecated responses')],
        { right: [metric(METRIC.SunsetDays, 'Minimum', 'days to sunset')], rightLabel: 'days' },
      ),
    );
  if (s.sync)
    row.push(
      graph(
        'Gaps open',
        [metric(METRIC.GapsOpen, 'Maximum', 'gaps open'), metric(METRIC.GapsFailing, 'Maximum', 'keep failing')],
        { right: [metric(METRIC.OldestGapAgeMs, 'Maximum', 'oldest (ms)')], rightLabel: 'ms' },
      ),
    );
  if (s.sync || s.webhook)
    row.push(
      graph('Schema drift (records with unknown fields or values)', [
        metric(METRIC.SchemaDrift, 'Sum', 'all fields'),
        search('service,provider,operation,field', METRIC.SchemaDrift, 'Sum', "${PROP('Dim.field')}"),
      ]),
    );
  if (s.writes) row.push(graph('Commands failed', [metric(METRIC.CommandsFailed, 'Sum', 'failed')]));
  const commands = s.commandQueue;
  if (commands)
    row.push(
      graph(
        'Command queue: backlog and age',
        [commands.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'waiting' })],
        {
          right: [
            commands.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum', label: 'oldest (s)' }),
          ],
          rightLabel: 's',
        },
      ),
    );
  if (s.queues.length > 0)
    row.push(
      graph(
        'Other queues and DLQs: depth',
        s.queues.map(({ label, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label }),
        ),
      ),
    );
  return row;
}

/**
 * Builds one provider's section: its alarms (firing first), requests by operation and status class, error rates,
 * 429s, p95 latency, webhooks, the webhook route's 4xx and 429, queue depth and age, DLQ depth, lag, gaps, the
 * command queue. SEARCH expressions break down by operation, status class and reason without knowing them at
 * deploy time.
 *
 * @example
 * providerSection('IntegrationStack/prod', { provider: 'github', displayName: 'GitHub', client: true, sync: false, writes: false, queues: [] }, alarms);
 */
export function providerSection(namespace: string, s: ProviderSectionState, alarms: IAlarm[] = []): IWidget[][] {
  const metrics = sectionMetrics(namespace, s.provider);
  const rows: IWidget[][] = [
    [new TextWidget({ markdown: `## ${s.displayName} (\`${s.provider}\`)`, width: 24, height: 1 })],
    ...alarmStatus(`${s.displayName}: alarms, firing first`, alarms),
  ];
  if (s.client) rows.push(clientRow(metrics));
  if (s.webhook) rows.push(...webhookRows(metrics, s.webhook, namespace));
  const details = detailRow(metrics, s);
  if (details.length > 0) rows.push(details);
  return rows;
}

/** At most this many alarms in one AlarmStatusWidget (CloudWatch's limit). */
const ALARMS_PER_WIDGET = 100;

/**
 * Alarm status widgets over `alarms`, firing ones first (then INSUFFICIENT_DATA, then OK; most recent change first
 * within each), one per 100 alarms.
 *
 * @example
 * alarmStatus('GitHub alarms, firing first', observability.factory.of('github'));
 */
export function alarmStatus(title: string, alarms: IAlarm[]): IWidget[][] {
  const rows: IWidget[][] = [];
  for (let i = 0; i < alarms.length; i += ALARMS_PER_WIDGET) {
    const chunk = alarms.slice(i, i + ALARMS_PER_WIDGET);
    rows.push([
      new AlarmStatusWidget({
        title,
        alarms: chunk,
        sortBy: AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
        width: 24,
        height: Math.min(12, 2 + Math.ceil(chunk.length / 4)),
      }),
    ]);
  }
  return rows;
}

/** What the overview shows: the providers' health alarms and the API's own alarms, the API, every function. */
export interface OverviewState {
  title: string;
  /** One per provider (any of its alarms) and the alarms of no provider. */
  status: IAlarm[];
  api?: IHttpApi;
  namespace: string;
  functions: { label: string; fn: IFunction }[];
  /** The dashboards holding the provider sections that do not fit on this one. */
  more: string[];
}

/** The API's numbers: its requests and errors, and each webhook route's 4xx and 429 (route-metrics.ts). */
function apiGraphs(api: IHttpApi, namespace: string): IWidget[] {
  const byRoute = (name: string, what: string) =>
    new MathExpression({
      expression: `SEARCH('{${namespace},route} MetricName="${name}"', 'Sum', 60)`,
      label: `\${PROP('Dim.route')} ${what}`,
      period: PERIOD,
      usingMetrics: {},
    });
  return [
    graph('API requests and errors', [
      api.metric('Count', { period: PERIOD, statistic: 'Sum', label: 'requests' }),
      api.metric('4xx', { period: PERIOD, statistic: 'Sum', label: '4xx' }),
      api.metric('5xx', { period: PERIOD, statistic: 'Sum', label: '5xx' }),
    ]),
    graph('Webhook routes: 4xx and 429', [
      byRoute(ROUTE_METRIC.clientErrors, '4xx'),
      byRoute(ROUTE_METRIC.throttled, '429'),
    ]),
  ];
}

/**
 * The top of the first dashboard: one line of what it holds, every provider's health and the API's alarms firing
 * first, then the API's numbers and every function's errors and throttles.
 *
 * @example
 * overviewSection({ title: 'IntegrationStack-prod: integrations', status, api, namespace, functions, more: [] });
 */
export function overviewSection(o: OverviewState): IWidget[][] {
  const elsewhere = o.more.length > 0 ? ` and on ${o.more.map((d) => `\`${d}\``).join(', ')}` : '';
  const rows: IWidget[][] = [
    [
      new TextWidget({
        markdown: `# ${o.title}\nFiring first: one line per provider (in ALARM while any of its alarms is) and the API's own alarms. Each provider's alarms and charts follow below${elsewhere}; every alarm's description links its runbook in \`docs/runbooks/\`.`,
        width: 24,
        height: 2,
      }),
    ],
    ...alarmStatus('Providers and the API, firing first', o.status),
  ];
  const row: IWidget[] = o.api ? apiGraphs(o.api, o.namespace) : [];
  if (o.functions.length > 0) {
    const each = (metric: (fn: IFunction, label: string) => IMetric) =>
      o.functions.map(({ label, fn }) => metric(fn, label));
    row.push(
      graph(
        'Lambda errors',
        each((fn, label) => fn.metricErrors({ period: PERIOD, statistic: 'Sum', label })),
      ),
    );
    row.push(
      graph(
        'Lambda throttles',
        each((fn, label) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label })),
      ),
    );
  }
  if (row.length > 0) rows.push(row);
  return rows;
}
