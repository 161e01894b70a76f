import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ScheduleExpression as Expression } from '../lambdas/core/provider';
import { acknowledgeRolePolicies } from './acknowledgements';

/** One schedule: its name (construct id suffix), what it says, when it fires, and the event it sends. */
export interface ScheduledInvocation {
  name: string;
  description: string;
  expression: Expression;
  input: Record<string, string>;
}

/**
 * EventBridge Scheduler schedules that invoke one function, through one role limited to this account's Scheduler
 * (confused-deputy guard), each with Scheduler's retries (default 3 within an hour) and a DLQ (it has neither by
 * default). Returns them by name.
 *
 * @example
 * scheduleInvocations(this, poller, dlq, 'Invokes the API-Football poller', [{ name: 'fixtures', ... }]);
 */
export function scheduleInvocations(
  scope: Construct,
  fn: IFunction,
  dlq: IQueue,
  roleDescription: string,
  entries: readonly ScheduledInvocation[],
  retry: { retryAttempts?: number; maxEventAge?: Duration } = {},
): Record<string, Schedule> {
  const role = new Role(scope, 'SchedulerRole', {
    assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
    description: roleDescription,
  });
  acknowledgeRolePolicies(role);
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(scope).getLogicalId(fn.node.defaultChild as never)}.Arn>:*]`,
    reason:
      "lambda:InvokeFunction from grantInvoke covers this one function's versions and aliases (`<function>:*`), nothing else.",
  });
  const schedules: Record<string, Schedule> = {};
  for (const entry of entries) {
    schedules[entry.name] = new Schedule(scope, `Schedule-${entry.name}`, {
      description: entry.description,
      schedule: ScheduleExpression.expression(entry.expression, TimeZone.ETC_UTC),
      target: new LambdaInvoke(fn, {
        role,
        input: ScheduleTargetInput.fromObject(entry.input),
        deadLetterQueue: dlq,
        retryAttempts: retry.retryAttempts ?? 3,
        maxEventAge: retry.maxEventAge ?? Duration.hours(1),
      }),
    });
  }
  return schedules;
}
