import { breaches, type AlarmRule, type Measure, type MetricSource } from '../../lambdas/core/alarm-rules';
import { statistic, type Dimensions, type MetricStore } from './metric-store';

/** Namespaces and dimensions the local stack records AWS-owned metrics under (as CloudWatch does). */
export const AWS_NAMESPACE = { queue: 'AWS/SQS', function: 'AWS/Lambda', api: 'AWS/ApiGateway' } as const;
export const LOCAL_API_ID = 'local';

/** What one local alarm instance watches (the local twin of lib/observability's AlarmTarget). */
export interface LocalTarget {
  provider?: string;
  operation?: string;
  /** Queue name. */
  queue?: string;
  /** Function name. */
  fn?: string;
  /** Route key (`ANY /webhooks/github`). */
  route?: string;
}

export type AlarmState = 'OK' | 'ALARM';

export interface Evaluation {
  state: AlarmState;
  /** One value per period, oldest first; null where data is missing. */
  datapoints: (number | null)[];
  /** The newest datapoint that has data. */
  value: number | null;
}

function seriesOf(
  source: MetricSource,
  target: LocalTarget,
  namespace: string,
): { namespace: string; dims: Dimensions } {
  switch (source.source) {
    case 'stack': {
      if (!target.provider) throw new Error(`${source.metric} needs a provider`);
      return {
        namespace,
        dims: target.operation
          ? { provider: target.provider, operation: target.operation }
          : { provider: target.provider },
      };
    }
    case 'queue':
      return { namespace: AWS_NAMESPACE.queue, dims: { QueueName: target.queue ?? '' } };
    case 'function':
      return { namespace: AWS_NAMESPACE.function, dims: { FunctionName: target.fn ?? '' } };
    case 'api':
      return { namespace: AWS_NAMESPACE.api, dims: { ApiId: LOCAL_API_ID } };
    case 'route':
      return { namespace, dims: { route: target.route ?? '' } };
  }
}

function sourceValue(
  store: MetricStore,
  source: MetricSource,
  target: LocalTarget,
  namespace: string,
  from: number,
  to: number,
): number | undefined {
  const { namespace: ns, dims } = seriesOf(source, target, namespace);
  return statistic(source.statistic, store.values(ns, source.metric, dims, from, to));
}

/**
 * A measure over one period, as the CDK side's metric or metric math computes it (see
 * lib/observability/rule-metrics.ts).
 */
export function measureValue(
  store: MetricStore,
  measure: Measure,
  target: LocalTarget,
  namespace: string,
  from: number,
  to: number,
): number | undefined {
  if (measure.kind === 'metric') return sourceValue(store, measure.metric, target, namespace, from, to);
  const den = sourceValue(store, measure.denominator, target, namespace, from, to);
  if (den === undefined) return undefined;
  if (den < measure.minDenominator) return 0;
  return (100 * (sourceValue(store, measure.numerator, target, namespace, from, to) ?? 0)) / den;
}

/**
 * Evaluates a rule the way CloudWatch does, over the last `evaluationPeriods` periods ending now: ALARM when
 * at least `datapointsToAlarm` of them breach; missing data never breaches. `timeScale` shortens periods
 * (60 makes a one-minute period last one second) for demos and tests. Anomaly bands need a trained model,
 * so locally a rule always compares with its static threshold.
 *
 * @example
 * const { state } = evaluateRule(rule, store, { provider: 'github' }, 'IntegrationStack', Date.now(), 60);
 */
export function evaluateRule(
  rule: AlarmRule,
  store: MetricStore,
  target: LocalTarget,
  namespace: string,
  now: number,
  timeScale = 1,
): Evaluation {
  const periodMs = (rule.periodSeconds * 1000) / timeScale;
  const datapoints: (number | null)[] = [];
  for (let k = rule.evaluationPeriods - 1; k >= 0; k -= 1) {
    const to = now - k * periodMs;
    datapoints.push(measureValue(store, rule.measure, target, namespace, to - periodMs, to) ?? null);
  }
  const breaching = datapoints.filter((v) => v !== null && breaches(rule, v)).length;
  const latest = [...datapoints].reverse().find((v) => v !== null) ?? null;
  return { state: breaching >= rule.datapointsToAlarm ? 'ALARM' : 'OK', datapoints, value: latest };
}
