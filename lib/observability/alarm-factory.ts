import {
  Alarm,
  AnomalyDetectionAlarm,
  ComparisonOperator,
  TreatMissingData,
  type IAlarmAction,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { runbookPath, subjectSlug, type AlarmRule, type Comparison } from '../../lambdas/core/alarm-rules';
import { measureMetric, type AlarmTarget } from './rule-metrics';

export interface AlarmFactoryProps {
  /** First part of every alarm name (the stack name). */
  prefix: string;
  namespace: string;
  /** Sent on ALARM and on OK. */
  actions: IAlarmAction[];
  /** Prepended to `docs/runbooks/<id>.md` in descriptions (e.g. the repository's browse URL); default none. */
  runbookBaseUrl?: string;
}

export interface CreatedAlarm {
  rule: AlarmRule;
  subject: string;
  alarm: Alarm;
  /** The provider it belongs to (its dashboard section and health alarm); none for the API's own. */
  provider?: string;
}

const OPERATORS: Record<Comparison, ComparisonOperator> = {
  GreaterThanThreshold: ComparisonOperator.GREATER_THAN_THRESHOLD,
  GreaterThanOrEqualToThreshold: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  LessThanThreshold: ComparisonOperator.LESS_THAN_THRESHOLD,
  LessThanOrEqualToThreshold: ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
};

const SYMBOL: Record<Comparison, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

/**
 * The one place alarms are made: `<prefix>-<rule>-<subject>` names, a description that says what broke,
 * where, the threshold and the runbook, missing data not breaching, ALARM and OK actions to on-call.
 *
 * @example
 * const factory = new AlarmFactory(scope, { prefix: 'IntegrationStack', namespace: 'IntegrationStack', actions: [new SnsAction(topic)] });
 * factory.create(resolveRule('signature-rejections')!, 'github', { provider: 'github' });
 */
export class AlarmFactory {
  readonly created: CreatedAlarm[] = [];
  private readonly homes = new Map<string, Construct>();

  constructor(
    private readonly scope: Construct,
    private readonly props: AlarmFactoryProps,
  ) {}

  /** Makes `provider`'s alarms in `scope` (its nested stack's) rather than the factory's own. */
  home(provider: string, scope: Construct): void {
    this.homes.set(provider, scope);
  }

  /** The alarms created for one provider so far. */
  of(provider: string): Alarm[] {
    return this.created.filter((c) => c.provider === provider).map((c) => c.alarm);
  }

  runbookUrl(ruleId: string): string {
    return `${this.props.runbookBaseUrl ?? ''}${runbookPath(ruleId)}`;
  }

  create(rule: AlarmRule, subject: string, target: AlarmTarget, provider = target.provider): Alarm {
    const slug = subjectSlug(rule.id, subject);
    const scope = (provider !== undefined && this.homes.get(provider)) || this.scope;
    const label = `${rule.title} (${subject})`;
    const metric = measureMetric(rule.measure, target, this.props.namespace, rule.periodSeconds, label);
    const when = rule.anomalyStdDevs
      ? `above the anomaly band of ${rule.anomalyStdDevs} standard deviations`
      : `${SYMBOL[rule.comparison]} ${rule.threshold}${rule.unit === 'count' ? '' : ` ${rule.unit}`}`;
    const description = [
      `${rule.title}: ${subject}.`,
      rule.summary,
      `Fires when ${when} in ${rule.datapointsToAlarm} of ${rule.evaluationPeriods} periods of ${rule.periodSeconds} s; missing data is OK.`,
      `Runbook: ${this.runbookUrl(rule.id)}`,
    ].join(' ');
    const common = {
      alarmName: `${this.props.prefix}-${slug}`,
      alarmDescription: description.slice(0, 1024),
      metric,
      evaluationPeriods: rule.evaluationPeriods,
      datapointsToAlarm: rule.datapointsToAlarm,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    };
    const alarm = rule.anomalyStdDevs
      ? new AnomalyDetectionAlarm(scope, slug, {
          ...common,
          stdDevs: rule.anomalyStdDevs,
          comparisonOperator: ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
        })
      : new Alarm(scope, slug, {
          ...common,
          threshold: rule.threshold,
          comparisonOperator: OPERATORS[rule.comparison],
        });
    alarm.addAlarmAction(...this.props.actions);
    alarm.addOkAction(...this.props.actions);
    this.created.push({ rule, subject, alarm, provider });
    return alarm;
  }
}
