import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { MathExpression, Metric, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Measure, MetricSource } from '../../lambdas/core/alarm-rules';
import { METRICS_SERVICE } from '../../lambdas/core/env-contract';

/** What one alarm instance watches: the resources and dimensions its rule's sources resolve against. */
export interface AlarmTarget {
  provider?: string;
  operation?: string;
  queue?: IQueue;
  fn?: IFunction;
  api?: IHttpApi;
  /** A route key of the HTTP API (`ANY /webhooks/github`). */
  route?: string;
}

/**
 * The CloudWatch metric of one rule source for one target.
 *
 * @example
 * sourceMetric({ source: 'stack', metric: 'Http5xx', statistic: 'Sum' }, { provider: 'github' }, 'IntegrationStack', 60);
 */
export function sourceMetric(
  source: MetricSource,
  target: AlarmTarget,
  namespace: string,
  periodSeconds: number,
): IMetric {
  const opts = { statistic: source.statistic, period: Duration.seconds(periodSeconds) };
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`a ${source.source} metric (${source.metric}) needs a ${what}`);
    return value;
  };
  switch (source.source) {
    case 'stack': {
      const dimensionsMap: Record<string, string> = {
        service: METRICS_SERVICE,
        provider: need(target.provider, 'provider'),
      };
      if (target.operation) dimensionsMap.operation = target.operation;
      return new Metric({ namespace, metricName: source.metric, dimensionsMap, ...opts });
    }
    case 'queue':
      return need(target.queue, 'queue').metric(source.metric, opts);
    case 'function':
      return need(target.fn, 'function').metric(source.metric, opts);
    case 'api':
      return need(target.api, 'HTTP API').metric(source.metric, opts);
    case 'route':
      return new Metric({
        namespace,
        metricName: source.metric,
        dimensionsMap: { route: need(target.route, 'route') },
        ...opts,
      });
  }
}

/**
 * The metric or metric math a rule compares with its threshold. A rate is
 * `IF(den >= min, 100 * FILL(num, 0) / den, 0)`: no page while traffic is too thin to mean anything,
 * and a minute without numerator datapoints counts as zero errors, not as missing.
 */
export function measureMetric(
  measure: Measure,
  target: AlarmTarget,
  namespace: string,
  periodSeconds: number,
  label: string,
): IMetric {
  if (measure.kind === 'metric') {
    const m = sourceMetric(measure.metric, target, namespace, periodSeconds);
    return m instanceof Metric ? m.with({ label }) : m;
  }
  return new MathExpression({
    expression: `IF(den >= ${measure.minDenominator}, 100 * FILL(num, 0) / den, 0)`,
    usingMetrics: {
      num: sourceMetric(measure.numerator, target, namespace, periodSeconds),
      den: sourceMetric(measure.denominator, target, namespace, periodSeconds),
    },
    period: Duration.seconds(periodSeconds),
    label,
  });
}
