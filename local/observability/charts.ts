import { ROUTE_METRIC, type Statistic } from '../../lambdas/core/alarm-rules';
import { METRIC } from '../../lambdas/core/metrics';
import { AWS_NAMESPACE } from './evaluate';
import { statistic, window, type Dimensions, type MetricStore, type Series } from './metric-store';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

export interface Chart {
  id: string;
  title: string;
  unit: string;
  series: ChartSeries[];
}

const exactly =
  (...keys: string[]) =>
  (dims: Dimensions) => {
    const have = Object.keys(dims);
    return have.length === keys.length && keys.every((k) => k in dims);
  };

interface Query {
  namespace: string;
  name: string;
  match: (dims: Dimensions) => boolean;
  label: (dims: Dimensions) => string;
  stat: Statistic;
  /** Counts: a bucket without datapoints is 0, not a gap. */
  zero?: boolean;
  scale?: number;
}

function seriesFor(store: MetricStore, q: Query, starts: number[], bucketMs: number): ChartSeries[] {
  const groups = new Map<string, Series[]>();
  for (const s of store.select(q.namespace, q.name, q.match)) {
    const label = q.label(s.dims);
    groups.set(label, [...(groups.get(label) ?? []), s]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, list]) => ({
      label,
      values: starts.map((t) => {
        const v = statistic(
          q.stat,
          list.flatMap((s) => window(s, t, t + bucketMs)),
        );
        return v === undefined ? (q.zero ? 0 : null) : v * (q.scale ?? 1);
      }),
    }));
}

/** A chart's query: a metric in the stack's namespace unless one is given. */
type ChartQuery = Omit<Query, 'namespace'> & { namespace?: string };

/**
 * The CloudWatch dashboard's widgets, as data, in the order an incident reads them: the webhook path (received and
 * rejected, the routes' 4xx and 429, webhooks missed, queue depth, lag), then outbound calls (status classes, 429s and
 * timeouts, p95 latency), then gaps and schema drift.
 */
const CHARTS: { id: string; title: string; unit: string; queries: ChartQuery[] }[] = [
  {
    id: 'webhooks',
    title: 'Webhooks: received, rejected, dead-lettered',
    unit: 'count',
    queries: [
      {
        name: METRIC.WebhooksReceived,
        match: exactly('provider'),
        label: (d) => `${d.provider} received`,
        stat: 'Sum',
        zero: true,
      },
      {
        name: METRIC.SignatureRejected,
        match: exactly('provider'),
        label: (d) => `${d.provider} signature rejected`,
        stat: 'Sum',
        zero: true,
      },
      {
        name: METRIC.EventsDeadLettered,
        match: exactly('provider'),
        label: (d) => `${d.provider} dead-lettered`,
        stat: 'Sum',
        zero: true,
      },
    ],
  },
  {
    id: 'routes',
    title: 'Webhook routes: requests, 4xx and 429',
    unit: 'count',
    queries: [
      {
        name: ROUTE_METRIC.requests,
        match: exactly('route'),
        label: (d) => `${d.route?.replace(/^ANY /, '')} requests`,
        stat: 'Sum',
        zero: true,
      },
      {
        name: ROUTE_METRIC.clientErrors,
        match: exactly('route'),
        label: (d) => `${d.route?.replace(/^ANY /, '')} 4xx`,
        stat: 'Sum',
        zero: true,
      },
      {
        name: ROUTE_METRIC.throttled,
        match: exactly('route'),
        label: (d) => `${d.route?.replace(/^ANY /, '')} 429`,
        stat: 'Sum',
        zero: true,
      },
    ],
  },
  {
    id: 'missed',
    title: 'Webhooks missed: recovered, and sender warnings',
    unit: 'count',
    queries: [
      {
        name: METRIC.EventsRecovered,
        match: exactly('provider'),
        label: (d) => `${d.provider} recovered`,
        stat: 'Sum',
        zero: true,
      },
      {
        name: METRIC.SenderWarnings,
        match: exactly('provider'),
        label: (d) => `${d.provider} sender warnings`,
        stat: 'Sum',
        zero: true,
      },
    ],
  },
  {
    id: 'queues',
    title: 'Queue and DLQ depth',
    unit: 'messages',
    queries: [
      {
        namespace: AWS_NAMESPACE.queue,
        name: 'ApproximateNumberOfMessagesVisible',
        match: () => true,
        label: (d) => d.QueueName ?? '?',
        stat: 'Maximum',
      },
    ],
  },
  {
    id: 'lag',
    title: 'Lag: p95 event lag and oldest queued message',
    unit: 'ms',
    queries: [
      {
        name: METRIC.EventLagMs,
        match: exactly('provider'),
        label: (d) => `${d.provider} p95 event lag`,
        stat: 'p95',
      },
      {
        namespace: AWS_NAMESPACE.queue,
        name: 'ApproximateAgeOfOldestMessage',
        match: (d) => !/dlq$/.test(d.QueueName ?? ''),
        label: (d) => `${d.QueueName} oldest`,
        stat: 'Maximum',
        scale: 1000,
      },
    ],
  },
  {
    id: 'requests',
    title: 'Outbound requests by status class',
    unit: 'count',
    queries: [
      {
        name: METRIC.Requests,
        match: exactly('provider', 'operation', 'status_class'),
        label: (d) => `${d.provider} ${d.status_class}`,
        stat: 'Sum',
        zero: true,
      },
    ],
  },
  {
    id: 'throttling',
    title: '429s and timeouts',
    unit: 'count',
    queries: [
      {
        name: METRIC.Http429,
        match: exactly('provider'),
        label: (d) => `${d.provider} 429`,
        stat: 'Sum',
        zero: true,
      },
      {
        name: METRIC.Timeouts,
        match: exactly('provider'),
        label: (d) => `${d.provider} timeouts`,
        stat: 'Sum',
        zero: true,
      },
    ],
  },
  {
    id: 'latency',
    title: 'p95 latency by operation',
    unit: 'ms',
    queries: [
      {
        name: METRIC.LatencyMs,
        match: exactly('provider', 'operation'),
        label: (d) => `${d.provider} ${d.operation}`,
        stat: 'p95',
      },
    ],
  },
  {
    id: 'gaps',
    title: 'Sync gaps open',
    unit: 'gaps',
    queries: [
      { name: METRIC.GapsOpen, match: exactly('provider'), label: (d) => d.provider ?? '?', stat: 'Maximum' },
      {
        name: METRIC.GapsFailing,
        match: exactly('provider'),
        label: (d) => `${d.provider} keep failing`,
        stat: 'Maximum',
      },
    ],
  },
  {
    id: 'drift',
    title: 'Schema drift: records with fields or values the schema does not know',
    unit: 'records',
    queries: [
      {
        name: METRIC.SchemaDrift,
        match: exactly('provider', 'operation', 'field'),
        label: (d) => `${d.provider} ${d.field}`,
        stat: 'Sum',
        zero: true,
      },
    ],
  },
];

/**
 * The local dashboard's charts over the store, one bucket per `bucketMs` (see CHARTS).
 *
 * @example
 * const charts = buildCharts(store, DEFAULT_NAMESPACE, starts, 60_000);
 */
export function buildCharts(store: MetricStore, namespace: string, starts: number[], bucketMs: number): Chart[] {
  return CHARTS.map(({ queries, ...chart }) => ({
    ...chart,
    series: queries.flatMap((query) => seriesFor(store, { namespace, ...query }, starts, bucketMs)),
  }));
}
