import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { providers } from '../../lambdas/providers';
import { ROUTES } from '../../lambdas/routes';
import { IntegrationStack } from '../../lib/integration-stack';
import { stageConfig } from '../../lib/stages';
import { type StageSynth, synthStage } from '../helpers/stage-stacks';

let dev: StageSynth;
let prod: StageSynth;
beforeAll(() => {
  dev = synthStage('dev');
  prod = synthStage('prod');
});

const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const ofType = (s: StageSynth, type: string) => Object.entries(s.resources).filter(([, r]) => r.Type === type);

describe('change events in the synthesized template', () => {
  it("one custom bus per stage, and an archive of every change event kept for the stage's retention", () => {
    for (const [s, name, days] of [
      [dev, 'dev', 3],
      [prod, 'prod', 30],
    ] as const) {
      const buses = ofType(s, 'AWS::Events::EventBus');
      expect(buses).toHaveLength(1);
      expect(buses[0]![1].Properties.Name).toMatch(new RegExp(`${name}.*changes`));
      s.template.hasResourceProperties('AWS::Events::Archive', {
        SourceArn: arn(s.idOf(s.stack.changes.bus)),
        RetentionDays: days,
        EventPattern: { source: [{ prefix: 'integration.' }] },
      });
    }
  });

  it('the records stream into the change-stream function: in order, bisected, partial failures, then the DLQ', () => {
    const { template, idOf, stack } = prod;
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: idOf(stack.changes.publisher) },
      EventSourceArn: { 'Fn::GetAtt': [idOf(stack.tables.records), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86_400,
      DestinationConfig: { OnFailure: { Destination: arn(idOf(stack.changes.dlq)) } },
    });
  });

  it('the change DLQ has its alarm, with its runbook', () => {
    const alarms = ofType(prod, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const alarm = alarms.find((a) => String(a.AlarmName).includes('change-dlq-not-empty'));
    expect(alarm?.AlarmDescription).toContain('runbooks/change-dlq-not-empty.md');
    expect(JSON.stringify(alarm?.Metrics ?? alarm?.Dimensions)).toContain(prod.idOf(prod.stack.changes.dlq));
  });

  it("the event's JSON Schema in the schema registry", () => {
    const schemas = ofType(prod, 'AWS::EventSchemas::Schema');
    expect(schemas).toHaveLength(1);
    const content = JSON.parse(schemas[0]![1].Properties.Content as string);
    expect(content.properties.detail.required).toEqual(expect.arrayContaining(['provider', 'type', 'key', 'version']));
  });

  it('one rule and one target function per route, on the bus, with retries and the DLQ', () => {
    const { template, idOf, stack } = prod;
    expect(ofType(prod, 'AWS::Events::Rule').filter(([, r]) => r.Properties.EventBusName)).toHaveLength(ROUTES.length);
    for (const route of ROUTES) {
      const { rule, fn } = stack.changes.routes[route.name]!;
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: idOf(stack.changes.bus) },
        EventPattern: Match.objectLike({ source: [`integration.${route.on.provider}`] }),
        Targets: [
          Match.objectLike({
            Arn: arn(idOf(fn)),
            DeadLetterConfig: { Arn: arn(idOf(stack.changes.dlq)) },
            RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 8 }),
          }),
        ],
      });
      expect(prod.resources[idOf(rule)]).toBeDefined();
    }
  });
});

describe('routes checked at synth', () => {
  it('a route naming an unknown operation fails the synth with its name', () => {
    const bad = { ...ROUTES[0]!, name: 'typo-route', do: { ...ROUTES[0]!.do, operation: 'postMesage' } };
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new IntegrationStack(app, 'Bad', { providers, stage: stageConfig('dev'), routes: [bad] })).toThrow(
      /typo-route.*postMesage/s,
    );
  });
});
