import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { recoveryStateName } from '../../lambdas/core/provider';
import { providers } from '../../lambdas/providers';
import { football } from '../../lambdas/providers/football';
import { stripe } from '../../lambdas/providers/stripe';
import { IntegrationStack } from '../../lib/integration-stack';
import { stageConfig } from '../../lib/stages';

let stack: IntegrationStack;
let template: Template;

beforeAll(() => {
  // No bundling here: the synth test bundles for real.
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new IntegrationStack(app, 'Test', { providers, stage: stageConfig('prod') });
  template = Template.fromStack(stack);
});

type Resource = { Type: string; Properties: Record<string, any> };
const resources = (type: string) => Object.entries(template.findResources(type)) as [string, Resource][];
const ref = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const id = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as never);
const withRecovery = providers.filter((p) => p.recover?.length);

describe('missed-event recovery in the stack', () => {
  it('is built for every provider with a recover capability and a webhook, and only for them', () => {
    expect(withRecovery.map((p) => p.name).sort()).toEqual(['github', 'shopify', 'stripe', 'trello']);
    expect(Object.keys(stack.recoveries).sort()).toEqual(withRecovery.map((p) => p.name).sort());
  });

  it.each(withRecovery.map((p) => [p.name, p] as const))(
    '%s: one schedule per recovery, invoking its recovery function with { provider, recovery }, with retries and its DLQ',
    (name, provider) => {
      const recovery = stack.recoveries[name]!;
      const schedules = resources('AWS::Scheduler::Schedule').filter(([, s]) =>
        JSON.stringify(s.Properties.Target.Arn).includes(id(recovery.fn)),
      );
      expect(schedules).toHaveLength(provider.recover!.length);
      for (const spec of provider.recover!) {
        template.hasResourceProperties('AWS::Scheduler::Schedule', {
          ScheduleExpression: spec.schedule,
          ScheduleExpressionTimezone: 'Etc/UTC',
          State: 'ENABLED',
          Target: {
            Arn: ref(id(recovery.fn)),
            Input: JSON.stringify({ provider: name, recovery: spec.name }),
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
            DeadLetterConfig: { Arn: ref(id(recovery.dlq)) },
          },
        });
      }
    },
  );

  it.each(withRecovery.map((p) => [p.name, p] as const))(
    "%s: the function feeds the provider's webhook queue, keeps its state in the sync tables and writes no records",
    (name, provider) => {
      const recovery = stack.recoveries[name]!;
      const fn = resources('AWS::Lambda::Function').find(([key]) => key === id(recovery.fn))![1];
      expect(fn.Properties.Timeout).toBe(Math.max(...provider.recover!.map((r) => r.timeoutSeconds ?? 0)));
      const vars = fn.Properties.Environment.Variables as Record<string, unknown>;
      expect(vars).toMatchObject({
        PROVIDER: name,
        POWERTOOLS_SERVICE_NAME: 'recovery',
        QUEUE_URL: { Ref: id(stack.webhooks[name]!.queue) },
        CHECKPOINTS_TABLE: { Ref: expect.stringMatching(/^CheckpointsTable/) },
        GAPS_TABLE: { Ref: expect.stringMatching(/^GapsTable/) },
        QUARANTINE_TABLE: { Ref: expect.stringMatching(/^QuarantineTable/) },
        BLOB_BUCKET: { Ref: expect.stringMatching(/^BlobsBucket/) },
      });
      expect(vars).not.toHaveProperty('RECORDS_TABLE');
      // A failed run goes straight to the DLQ: the next scheduled run resumes from the checkpoint.
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: id(recovery.fn) },
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: ref(id(recovery.dlq)) } },
      });
    },
  );

  it('gives each provider its own scheduler role, assumed by Scheduler of this account only, that may invoke only its recovery function', () => {
    for (const name of Object.keys(stack.recoveries)) {
      const fnId = id(stack.recoveries[name]!.fn);
      const policies = resources('AWS::IAM::Policy').filter(([, p]) =>
        JSON.stringify(p.Properties.PolicyDocument).includes(`"${fnId}"`),
      );
      const invokers = policies.filter(([, p]) => JSON.stringify(p.Properties).includes('lambda:InvokeFunction'));
      expect(invokers, name).toHaveLength(1);
      // Invoke its function (and versions), send to its own DLQ: nothing else.
      const statements = invokers[0]![1].Properties.PolicyDocument.Statement as {
        Action: unknown;
        Resource: unknown;
      }[];
      expect(new Set(statements.flatMap((s) => [s.Action].flat())), name).toEqual(
        new Set(['lambda:InvokeFunction', 'sqs:SendMessage']),
      );
      const dlqId = id(stack.recoveries[name]!.dlq);
      for (const st of statements)
        expect(JSON.stringify(st.Resource), name).toMatch(new RegExp(`"(${fnId}|${dlqId})"`));
      const roleId = (invokers[0]![1].Properties.Roles as { Ref: string }[])[0]!.Ref;
      const role = resources('AWS::IAM::Role').find(([key]) => key === roleId)![1];
      expect(role.Properties.AssumeRolePolicyDocument.Statement[0]).toMatchObject({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      });
    }
  });

  it('alarms on its DLQ per recovery, on the function, and on missed webhooks per provider', () => {
    const names = new Set(resources('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.AlarmName as string));
    for (const provider of withRecovery) {
      for (const spec of provider.recover!)
        expect(names, provider.name).toContain(
          `Test-scheduler-dlq-not-empty-${provider.name}-${recoveryStateName(spec.name)}`,
        );
      expect(names).toContain(`Test-lambda-errors-${provider.name}-recovery`);
      expect(names).toContain(`Test-webhooks-missed-${provider.name}`);
    }
  });

  it('outputs each recovery function name for `npm run sync -- --recover --aws --function`', () => {
    for (const name of Object.keys(stack.recoveries))
      template.hasOutput(`RecoveryFunction${name}`, { Value: { Ref: id(stack.recoveries[name]!.fn) } });
  });

  it('refuses a provider with recoveries and no webhook to feed', () => {
    const noWebhook = { ...stripe, webhook: undefined };
    expect(
      () =>
        new IntegrationStack(
          new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } }),
          'NoWebhook',
          { providers: [noWebhook, football] },
        ),
    ).toThrow(/stripe has recoveries but no webhook/);
  });
});
