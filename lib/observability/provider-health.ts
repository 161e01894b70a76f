import { Lazy } from 'aws-cdk-lib';
import { AlarmRule, AlarmState, CompositeAlarm, type IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { subjectSlug } from '../../lambdas/core/alarm-rules';

/**
 * One provider's health as one alarm: a composite alarm in ALARM while any of its alarms is, so the dashboard's
 * first widget holds one line per provider, firing ones first. It has no actions: the alarms under it page.
 * Its rule is read at synth, so alarms added to the provider after this call count too.
 *
 * @example
 * providerHealthAlarm(observability, 'IntegrationStack-prod', 'github', () => factory.of('github'));
 */
export function providerHealthAlarm(
  scope: Construct,
  prefix: string,
  provider: string,
  alarms: () => IAlarm[],
): CompositeAlarm {
  const rule = () => {
    const list = alarms();
    return (
      list.length > 0
        ? AlarmRule.anyOf(...list.map((a) => AlarmRule.fromAlarm(a, AlarmState.ALARM)))
        : AlarmRule.fromBoolean(false)
    ).renderAlarmRule();
  };
  const name = subjectSlug('provider', provider);
  return new CompositeAlarm(scope, `Health-${name}`, {
    compositeAlarmName: `${prefix}-${name}`,
    alarmDescription: `Any alarm of ${provider}: in ALARM while one of them is. It sends nothing; each alarm under it pages on its own.`,
    alarmRule: AlarmRule.fromString(Lazy.string({ produce: rule })),
  });
}
