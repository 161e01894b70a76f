import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Unit } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { ROUTE_METRIC, WEBHOOK_ROUTES } from '../../lambdas/core/alarm-rules';

/**
 * Counts per webhook route from the HTTP API's JSON access log (lib/api-access-log.ts): requests, 4xx and 429,
 * as ROUTE_METRIC in `namespace` with the dimension `route`. Metric filters, not API Gateway's detailed
 * metrics, because those count a throttled request only as a 4xx; the access log has each request's status,
 * throttled ones included. Three filters for the whole API: each route adds three metrics, not filters.
 *
 * @example
 * routeMetricFilters(stack, accessLogs, 'IntegrationStack/prod');
 */
export function routeMetricFilters(scope: Construct, logGroup: ILogGroup, namespace: string): MetricFilter[] {
  const webhook = FilterPattern.stringValue('$.routeKey', '=', WEBHOOK_ROUTES);
  const counts = [
    [ROUTE_METRIC.requests, webhook],
    [ROUTE_METRIC.clientErrors, FilterPattern.all(webhook, FilterPattern.stringValue('$.status', '=', '4*'))],
    [ROUTE_METRIC.throttled, FilterPattern.all(webhook, FilterPattern.stringValue('$.status', '=', '429'))],
  ] as const;
  return counts.map(
    ([metricName, filterPattern]) =>
      new MetricFilter(scope, `RouteMetric${metricName}`, {
        logGroup,
        filterPattern,
        metricNamespace: namespace,
        metricName,
        metricValue: '1',
        unit: Unit.COUNT,
        dimensions: { route: '$.routeKey' },
      }),
  );
}
