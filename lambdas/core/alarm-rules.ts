import { METRIC, type MetricName } from './metrics';

/**
 * Alarm rules as data: CDK (lib/observability) turns each into CloudWatch alarms, the local stack
 * (local/observability) evaluates the same rules over the EMF documents its handlers emit.
 * This module imports nothing but metric names, so CDK, Lambdas and the local stack can all read it.
 */

/** CloudWatch statistics the rules use; `p95` and friends are percentiles. */
export type Statistic = 'Sum' | 'Average' | 'Minimum' | 'Maximum' | 'SampleCount' | `p${number}`;

export type Comparison =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';

/**
 * The HTTP API's counts per webhook route, in the stack's namespace with one dimension, `route` (the route key,
 * `ANY /webhooks/github`): in AWS from metric filters on the API's access log (lib/observability/route-metrics.ts),
 * which has every request API Gateway answered, throttled ones (429) included; locally from the gateway itself.
 * API Gateway's own detailed (per-route) metrics have no 429 of their own: they count throttled requests as 4xx.
 */
export const ROUTE_METRIC = {
  requests: 'ApiRouteRequests',
  clientErrors: 'ApiRoute4xx',
  throttled: 'ApiRoute429',
} as const;

export type RouteMetricName = (typeof ROUTE_METRIC)[keyof typeof ROUTE_METRIC];

/** The routes ROUTE_METRIC counts: every webhook route, as an access log filter pattern on the route key. */
export const WEBHOOK_ROUTES = 'ANY /webhooks/*';

/** The route key of a webhook path, as API Gateway logs it and ROUTE_METRIC's `route` dimension holds it. */
export const webhookRouteKey = (path: string): string => `ANY ${path}`;

/** Whether ROUTE_METRIC counts a route key (WEBHOOK_ROUTES). */
export const isWebhookRoute = (routeKey: string): boolean => routeKey.startsWith(WEBHOOK_ROUTES.slice(0, -1));

/**
 * Where a rule's numbers come from:
 * - `stack`: a metric our handlers emit (one namespace, dimensions from the rule's scope, see emitMetric);
 * - `queue`: an SQS metric of the queue the rule watches;
 * - `api`: the HTTP API's own metrics (AWS/ApiGateway `5xx`, `Count`);
 * - `route`: the HTTP API's counts of one route (ROUTE_METRIC);
 * - `function`: a Lambda function's own metrics (AWS/Lambda `Errors`, `Throttles`).
 */
export type MetricSource =
  | { source: 'stack'; metric: MetricName; statistic: Statistic }
  | {
      source: 'queue';
      metric: 'ApproximateAgeOfOldestMessage' | 'ApproximateNumberOfMessagesVisible';
      statistic: Statistic;
    }
  | { source: 'api'; metric: '5xx' | '4xx' | 'Count'; statistic: Statistic }
  | { source: 'route'; metric: RouteMetricName; statistic: Statistic }
  | { source: 'function'; metric: 'Errors' | 'Throttles' | 'Invocations'; statistic: Statistic };

/**
 * What a rule compares with its threshold, per period:
 * - `metric`: one statistic of one metric;
 * - `rate`: 100 x numerator / denominator (both Sums), or 0 while the denominator is below
 *   `minDenominator`, so a handful of requests cannot page anyone.
 */
export type Measure =
  | { kind: 'metric'; metric: MetricSource }
  | { kind: 'rate'; numerator: MetricSource; denominator: MetricSource; minDenominator: number };

/**
 * What one alarm instance watches:
 * `provider` (one per provider), `operation` (one per provider operation), `queue` (one per queue
 * registered under this rule), `route` (one per webhook route), `function` (one per Lambda function),
 * `api` (one per stack).
 */
export type AlarmScope = 'provider' | 'operation' | 'queue' | 'route' | 'function' | 'api';

/** Which part of the stack a rule watches; a provider integration registers the groups it has. */
export type AlarmGroup = 'client' | 'webhook' | 'sync' | 'writes' | 'changes' | 'platform';

export interface AlarmRule {
  /** kebab-case; also the runbook's file name: docs/runbooks/<id>.md. */
  id: string;
  group: AlarmGroup;
  title: string;
  /** One sentence: what it means when this fires. */
  summary: string;
  scope: AlarmScope;
  measure: Measure;
  /** Unit of the measured value, for descriptions and the dashboards. */
  unit: '%' | 'count' | 'ms' | 's' | 'days';
  periodSeconds: number;
  evaluationPeriods: number;
  /** Breaching datapoints among the last `evaluationPeriods` that fire the alarm ("M of N"). */
  datapointsToAlarm: number;
  threshold: number;
  comparison: Comparison;
  /**
   * In AWS, compare with a CloudWatch anomaly detection band of this many standard deviations
   * instead of the static threshold (the local stack, which has no model, keeps the threshold).
   */
  anomalyStdDevs?: number;
}

const minute = 60;

/** A queue's messages waiting (its most in a minute), above a threshold. */
const MESSAGES_WAITING = {
  scope: 'queue',
  measure: {
    kind: 'metric',
    metric: { source: 'queue', metric: 'ApproximateNumberOfMessagesVisible', statistic: 'Maximum' },
  },
  unit: 'count',
  periodSeconds: minute,
  comparison: 'GreaterThanThreshold',
} as const;

/** Every dead-letter queue's alarm: one message visible, in any minute. */
const DLQ_NOT_EMPTY = { ...MESSAGES_WAITING, evaluationPeriods: 1, datapointsToAlarm: 1, threshold: 0 } as const;

/**
 * Every alarm rule, with its default thresholds. Missing data never breaches.
 * Adding an alarm: add a rule here, write docs/runbooks/<id>.md, and register what it watches
 * (CDK: `observability.provider(def).queue(id, queue)` and friends; local: `monitor.watchQueue(...)`).
 */
export const ALARM_RULES = [
  {
    id: 'provider-5xx-rate',
    group: 'client',
    title: 'Provider 5xx rate above 1%',
    summary:
      'More than 1% of calls to the provider answered 5xx, in every minute for 5 minutes: the provider is failing or degraded.',
    scope: 'provider',
    measure: {
      kind: 'rate',
      numerator: { source: 'stack', metric: METRIC.Http5xx, statistic: 'Sum' },
      denominator: { source: 'stack', metric: METRIC.Requests, statistic: 'Sum' },
      minDenominator: 20,
    },
    unit: '%',
    periodSeconds: minute,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    threshold: 1,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'provider-429-rate',
    group: 'client',
    title: 'Provider 429 rate above baseline',
    summary:
      'The provider rate-limited more of our calls than usual, in every minute for 10 minutes: we are over its quota or it lowered our limit.',
    scope: 'provider',
    measure: {
      kind: 'rate',
      numerator: { source: 'stack', metric: METRIC.Http429, statistic: 'Sum' },
      denominator: { source: 'stack', metric: METRIC.Requests, statistic: 'Sum' },
      minDenominator: 20,
    },
    unit: '%',
    periodSeconds: minute,
    evaluationPeriods: 10,
    datapointsToAlarm: 10,
    threshold: 5,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'provider-timeouts',
    group: 'client',
    title: 'Provider timeouts',
    summary:
      'More than 5 calls to the provider timed out within one minute: it hangs or the network to it is degraded.',
    scope: 'provider',
    measure: { kind: 'metric', metric: { source: 'stack', metric: METRIC.Timeouts, statistic: 'Sum' } },
    unit: 'count',
    periodSeconds: minute,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 5,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'circuit-open',
    group: 'client',
    title: 'Circuit breaker open',
    summary:
      'The client stopped calling the provider after repeated failures and fails fast until a probe succeeds; clears 20 minutes after the last call it refused.',
    scope: 'provider',
    // Counted when the breaker opens and on every call it refuses: 1 of 4 five-minute periods fires at once and
    // stays red while anything (a poll every 15 minutes, a write) still finds the breaker open.
    measure: { kind: 'metric', metric: { source: 'stack', metric: METRIC.CircuitOpen, statistic: 'Sum' } },
    unit: 'count',
    periodSeconds: 5 * minute,
    evaluationPeriods: 4,
    datapointsToAlarm: 1,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'operation-latency-p95',
    group: 'client',
    title: 'Operation p95 latency high',
    summary: 'The 95th percentile of one provider operation took longer than 3 s, in every minute for 5 minutes.',
    scope: 'operation',
    measure: { kind: 'metric', metric: { source: 'stack', metric: METRIC.LatencyMs, statistic: 'p95' } },
    unit: 'ms',
    periodSeconds: minute,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    threshold: 3000,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'api-sunset-soon',
    group: 'client',
    title: 'Provider endpoint sunset soon',
    summary:
      "An endpoint we call answered with a Sunset date within the stage's warning window (30 days by default): it stops working then unless we move off it.",
    scope: 'provider',
    // Minimum over the hour: the nearest sunset of any endpoint called; an endpoint no longer called stops counting.
    measure: { kind: 'metric', metric: { source: 'stack', metric: METRIC.SunsetDays, statistic: 'Minimum' } },
    unit: 'days',
    periodSeconds: 60 * minute,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 30,
    comparison: 'LessThanOrEqualToThreshold',
  },
  {
    id: 'signature-rejections',
    group: 'webhook',
    title: 'Webhook signature rejections',
    summary:
      'More than 10 webhooks failed signature verification in 5 minutes: forged traffic, or the signing secret was rotated on one side only.',
    scope: 'provider',
    measure: { kind: 'metric', metric: { source: 'stack', metric: METRIC.SignatureRejected, statistic: 'Sum' } },
    unit: 'count',
    periodSeconds: 5 * minute,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 10,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'webhook-queue-age',
    group: 'webhook',
    title: 'Webhook queue falling behind',
    summary:
      'The oldest webhook waiting in the queue is older than 5 minutes, for 5 minutes: the processor is failing, throttled or too slow.',
    scope: 'queue',
    measure: {
      kind: 'metric',
      metric: { source: 'queue', metric: 'ApproximateAgeOfOldestMessage', statistic: 'Maximum' },
    },
    unit: 's',
    periodSeconds: minute,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    threshold: 300,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'event-lag-p95',
    group: 'webhook',
    title: 'Webhook event lag high',
    summary:
      'The p95 time from an event (or its receipt) to its processing is above 1 minute, in every minute for 5 minutes.',
    scope: 'provider',
    measure: { kind: 'metric', metric: { source: 'stack', metric: METRIC.EventLagMs, statistic: 'p95' } },
    unit: 'ms',
    periodSeconds: minute,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    threshold: 60_000,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'webhook-dlq-not-empty',
    group: 'webhook',
    title: 'Webhook DLQ not empty',
    summary:
      'At least one webhook event could not be processed and waits in the dead-letter queue with its failure reason.',
    ...DLQ_NOT_EMPTY,
  },
  {
    id: 'webhooks-missed',
    group: 'webhook',
    title: 'Webhooks missed, then recovered',
    summary:
      'Recovery brought back webhooks the provider had not delivered (or GitHub redelivered on our request): our endpoint was down, throttled or refusing; the records are repaired, the cause is not.',
    scope: 'provider',
    // Counted when a recovered event applies (or a redelivery is accepted); recovery runs hourly, so 1 of 4
    // fifteen-minute periods fires on the first and clears an hour after the last.
    measure: { kind: 'metric', metric: { source: 'stack', metric: METRIC.EventsRecovered, statistic: 'Sum' } },
    unit: 'count',
    periodSeconds: 15 * minute,
    evaluationPeriods: 4,
    datapointsToAlarm: 1,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'webhook-sender-warnings',
    group: 'webhook',
    title: 'Webhook sender throttles or disabled our deliveries',
    summary:
      "A sender with no replay API told us it drops or stopped sending our events (Slack's app_rate_limited): what it dropped is lost unless recovered by hand.",
    scope: 'provider',
    measure: { kind: 'metric', metric: { source: 'stack', metric: METRIC.SenderWarnings, statistic: 'Sum' } },
    unit: 'count',
    periodSeconds: 5 * minute,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'api-route-4xx-rate',
    group: 'webhook',
    title: 'Webhook route 4xx rate above 10%',
    summary:
      'More than 10% of requests to the webhook route were answered 4xx (bad signature, malformed, wrong method, throttled), in every minute for 5 minutes: a flood of junk, or real deliveries refused.',
    scope: 'route',
    measure: {
      kind: 'rate',
      numerator: { source: 'route', metric: ROUTE_METRIC.clientErrors, statistic: 'Sum' },
      denominator: { source: 'route', metric: ROUTE_METRIC.requests, statistic: 'Sum' },
      minDenominator: 20,
    },
    unit: '%',
    periodSeconds: minute,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    threshold: 10,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'api-route-throttled',
    group: 'webhook',
    title: 'Webhook route throttled',
    summary:
      'API Gateway answered 429 to more than 1% of requests to the webhook route in a minute: providers that never retry (GitHub) lose those deliveries; clears 5 minutes after the last such minute.',
    scope: 'route',
    // 1 of 5: red at the first throttled minute, and held while throttling recurs, since every refused delivery counts.
    measure: {
      kind: 'rate',
      numerator: { source: 'route', metric: ROUTE_METRIC.throttled, statistic: 'Sum' },
      denominator: { source: 'route', metric: ROUTE_METRIC.requests, statistic: 'Sum' },
      minDenominator: 1,
    },
    unit: '%',
    periodSeconds: minute,
    evaluationPeriods: 5,
    datapointsToAlarm: 1,
    threshold: 1,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'command-dlq-not-empty',
    group: 'writes',
    title: 'Command DLQ not empty',
    summary:
      'At least one write command failed permanently or exhausted its retries and waits in the dead-letter queue.',
    ...DLQ_NOT_EMPTY,
  },
  {
    id: 'command-queue-backlog',
    group: 'writes',
    title: 'Command queue backlog above 100',
    summary:
      "More than 100 write commands waited in the provider's command queue, in every minute for 10 minutes: the writer is failing, throttled or slower than commands arrive.",
    ...MESSAGES_WAITING,
    evaluationPeriods: 10,
    datapointsToAlarm: 10,
    threshold: 100,
  },
  {
    id: 'command-queue-age',
    group: 'writes',
    title: 'Command queue falling behind',
    summary:
      'The oldest write command waiting in the queue is older than 15 minutes, for 5 minutes: writes are late, failing again and again, or the writer is not running.',
    scope: 'queue',
    // 15 minutes: a retried command waits out the queue's visibility timeout (6 minutes in AWS), so one retry alone
    // never fires.
    measure: {
      kind: 'metric',
      metric: { source: 'queue', metric: 'ApproximateAgeOfOldestMessage', statistic: 'Maximum' },
    },
    unit: 's',
    periodSeconds: minute,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    threshold: 900,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'change-dlq-not-empty',
    group: 'changes',
    title: 'Change DLQ not empty',
    summary:
      'A record change could not be published as a change event, or a route could not turn one into a command (the target refused it, or it could not be delivered): it waits in the change dead-letter queue with its reason.',
    ...DLQ_NOT_EMPTY,
  },
  {
    id: 'scheduler-dlq-not-empty',
    group: 'sync',
    title: 'Scheduler DLQ not empty',
    summary:
      'EventBridge Scheduler could not invoke a poller after its retries; the missed run waits in the dead-letter queue.',
    ...DLQ_NOT_EMPTY,
  },
  {
    id: 'api-5xx-rate',
    group: 'platform',
    title: 'API Gateway 5xx rate above 1%',
    summary:
      'More than 1% of requests to the webhook API failed with 5xx, in every minute for 5 minutes: providers will retry, then give up.',
    scope: 'api',
    measure: {
      kind: 'rate',
      numerator: { source: 'api', metric: '5xx', statistic: 'Sum' },
      denominator: { source: 'api', metric: 'Count', statistic: 'Sum' },
      minDenominator: 20,
    },
    unit: '%',
    periodSeconds: minute,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    threshold: 1,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'lambda-errors',
    group: 'platform',
    title: 'Lambda function errors',
    summary: 'The function crashed or timed out (not a handled failure) in 3 of the last 5 minutes.',
    scope: 'function',
    measure: { kind: 'metric', metric: { source: 'function', metric: 'Errors', statistic: 'Sum' } },
    unit: 'count',
    periodSeconds: minute,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'lambda-throttles',
    group: 'platform',
    title: 'Lambda function throttled',
    summary:
      'Lambda refused invocations of the function (account or reserved concurrency exhausted) in 3 of the last 5 minutes.',
    scope: 'function',
    measure: { kind: 'metric', metric: { source: 'function', metric: 'Throttles', statistic: 'Sum' } },
    unit: 'count',
    periodSeconds: minute,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'gaps-open',
    group: 'sync',
    title: 'Sync gap open for over an hour',
    summary:
      'A sync run reported a gap older than an hour: windows the poller could not fetch are not healing by themselves.',
    scope: 'provider',
    // Reported after every run; 1 of 4 fifteen-minute periods fires on the first such report and bridges the
    // periods a run lands in the next one (missing data never breaches); clears an hour after the last.
    measure: { kind: 'metric', metric: { source: 'stack', metric: METRIC.OldestGapAgeMs, statistic: 'Maximum' } },
    unit: 'ms',
    periodSeconds: 15 * minute,
    evaluationPeriods: 4,
    datapointsToAlarm: 1,
    threshold: 60 * minute * 1000,
    comparison: 'GreaterThanThreshold',
  },
  {
    id: 'gaps-failing',
    group: 'sync',
    title: 'Sync gap keeps failing',
    summary:
      'A sync gap failed 3 times or more: retrying alone will not fetch that window (a permanent error, a long outage, a spent quota).',
    scope: 'provider',
    measure: { kind: 'metric', metric: { source: 'stack', metric: METRIC.GapsFailing, statistic: 'Maximum' } },
    unit: 'count',
    periodSeconds: 15 * minute,
    evaluationPeriods: 4,
    datapointsToAlarm: 1,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
  },
] as const satisfies readonly AlarmRule[];

export type AlarmId = (typeof ALARM_RULES)[number]['id'];

/** Per-rule overrides (stack props, local options); anything left out keeps the rule's default. */
export type AlarmSettings = Partial<
  Record<
    AlarmId,
    Partial<
      Pick<AlarmRule, 'threshold' | 'periodSeconds' | 'evaluationPeriods' | 'datapointsToAlarm' | 'anomalyStdDevs'>
    > & { minDenominator?: number; enabled?: boolean }
  >
>;

/** The repository path of a rule's runbook. */
export function runbookPath(id: string): string {
  return `docs/runbooks/${id}.md`;
}

/**
 * A rule with its overrides applied; undefined when disabled.
 *
 * @example
 * const rule = resolveRule('signature-rejections', { 'signature-rejections': { threshold: 50 } });
 * // rule.threshold === 50, rule.periodSeconds === 300
 */
export function resolveRule(id: AlarmId, settings: AlarmSettings = {}): AlarmRule | undefined {
  const base = ALARM_RULES.find((r) => r.id === id) as AlarmRule | undefined;
  if (!base) throw new Error(`unknown alarm rule ${id}`);
  const { enabled, minDenominator, ...override } = settings[id] ?? {};
  if (enabled === false) return undefined;
  const rule: AlarmRule = { ...base, ...override };
  if (rule.measure.kind === 'rate' && minDenominator !== undefined) rule.measure = { ...rule.measure, minDenominator };
  if (rule.datapointsToAlarm > rule.evaluationPeriods)
    throw new Error(`${id}: datapointsToAlarm exceeds evaluationPeriods`);
  return rule;
}

/** Every enabled rule of a group and scope, resolved. */
export function rulesFor(group: AlarmGroup, scope: AlarmScope, settings: AlarmSettings = {}): AlarmRule[] {
  return ALARM_RULES.filter((r) => r.group === group && r.scope === scope)
    .map((r) => resolveRule(r.id, settings))
    .filter((r): r is AlarmRule => r !== undefined);
}

/** Whether a value breaches a rule's static threshold. */
export function breaches(rule: Pick<AlarmRule, 'comparison' | 'threshold'>, value: number): boolean {
  switch (rule.comparison) {
    case 'GreaterThanThreshold':
      return value > rule.threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= rule.threshold;
    case 'LessThanThreshold':
      return value < rule.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= rule.threshold;
  }
}

/** A safe name fragment for alarm names and ids (CloudWatch alarm names are ASCII). */
export function subjectSlug(...parts: (string | undefined)[]): string {
  return parts
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, ''))
    .join('-');
}
