import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AlarmStatusWidget,
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
  webhook?: { queue: IQueue; dlq: IQueue };
  sync: boolean;
  writes: boolean;
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
function webhookRows({ metric, search }: SectionMetrics, { queue, dlq }: { queue: IQueue; dlq: IQueue }): IWidget[][] {
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
        { width: 12 },
      ),
      // Above zero, deliveries were missed (recovery repaired them) or a sender without a replay API dropped some.
      graph('Webhooks missed', [
        metric(METRIC.EventsRecovered, 'Sum', 'recovered'),
        metric(METRIC.SenderWarnings, 'Sum', 'sender warnings'),
      ]),
    ],
  ];
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
 * Builds one provider's section: requests by operation and status class, error rates, 429s, p95 latency,
 * webhooks, queue depth and age, DLQ depth, lag, gaps. SEARCH expressions break down by operation,
 * status class and reason without knowing them at deploy time.
 *
 * @example
 * providerSection('IntegrationStack/prod', { provider: 'github', displayName: 'GitHub', client: true, sync: false, writes: false, queues: [] });
 */
export function providerSection(namespace: string, s: ProviderSectionState): IWidget[][] {
  const metrics = sectionMetrics(namespace, s.provider);
  const rows: IWidget[][] = [
    [new TextWidget({ markdown: `## ${s.displayName} (\`${s.provider}\`)`, width: 24, height: 1 })],
  ];
  if (s.client) rows.push(clientRow(metrics));
  if (s.webhook) rows.push(...webhookRows(metrics, s.webhook));
  const details = detailRow(metrics, s);
  if (details.length > 0) rows.push(details);
  return rows;
}

/** The stack-wide part: every alarm's state, the API's own numbers, every function's errors and throttles. */
export function overviewSection(
  title: string,
  alarms: IAlarm[],
  api: IHttpApi | undefined,
  functions: { label: string; fn: IFunction }[],
): IWidget[][] {
  const rows: IWidget[][] = [
    [
      new TextWidget({
        markdown: `# ${title}\nEvery alarm's description links to its runbook in \`docs/runbooks/\`.`,
        width: 24,
        height: 2,
      }),
    ],
  ];
  // AlarmStatusWidget shows at most 100 alarms.
  for (let i = 0; i < alarms.length; i += 100) {
    const chunk = alarms.slice(i, i + 100);
    rows.push([
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: chunk,
        width: 24,
        height: Math.min(12, 2 + Math.ceil(chunk.length / 4)),
      }),
    ]);
  }
  const row: IWidget[] = [];
  if (api) {
    row.push(
      graph(
        'API requests and errors',
        [
          api.metric('Count', { period: PERIOD, statistic: 'Sum', label: 'requests' }),
          api.metric('4xx', { period: PERIOD, statistic: 'Sum', label: '4xx' }),
          api.metric('5xx', { period: PERIOD, statistic: 'Sum', label: '5xx' }),
        ],
        { width: 8 },
      ),
    );
  }
  if (functions.length > 0) {
    row.push(
      graph(
        'Lambda errors',
        functions.map(({ label, fn }) => fn.metricErrors({ period: PERIOD, statistic: 'Sum', label })),
        { width: 8 },
      ),
    );
    row.push(
      graph(
        'Lambda throttles',
        functions.map(({ label, fn }) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label })),
        { width: 8 },
      ),
    );
  }
  if (row.length > 0) rows.push(row);
  return rows;
}
