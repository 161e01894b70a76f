import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { getProvider, providers } from '../../lambdas/providers';
import { IntegrationStack } from '../../lib/integration-stack';
import { QueueFunction } from '../../lib/queue-function';
import { stageConfig } from '../../lib/stages';
import { workQueue } from '../../lib/work-queue';

type Resource = { Type: string; Properties: Record<string, any> };

let stack: IntegrationStack;
let plain: QueueFunction;
let calling: QueueFunction;
let resources: Record<string, Resource>;

beforeAll(() => {
  // No bundling here: the synth test bundles for real.
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new IntegrationStack(app, 'Test', { providers, stage: stageConfig('prod') });
  const { tables, observability } = stack.shared;
  const github = getProvider('github')!;
  // Two consumers, each in its own scope as an integration would add them.
  const a = new Construct(stack, 'Plain-stripe');
  plain = new QueueFunction(a, 'Consumer', {
    handler: 'event-processor',
    work: workQueue(a, Duration.seconds(20), 3),
    environment: { PROVIDER: 'stripe' },
    itemTables: [{ table: tables.records, actions: ['dynamodb:GetItem', 'dynamodb:PutItem'] }],
  });
  const b = new Construct(stack, 'Calling-github');
  calling = new QueueFunction(b, 'Consumer', {
    handler: 'command-writer',
    work: workQueue(b, Duration.seconds(40), 4, Duration.seconds(5)),
    environment: { PROVIDER: 'github' },
    eventSource: { batchSize: 2, maxConcurrency: 3 },
    itemTables: [{ table: tables.idempotency, actions: ['dynamodb:GetItem'] }],
    calls: { provider: github, secrets: stack.secrets.github!, apiNotices: tables.apiNotices },
    // github has no writes, so this DLQ alarm is the consumer's own.
    monitoring: { provider: observability.provider('github'), role: 'consumer', dlqAlarm: 'command-dlq-not-empty' },
  });
  resources = Template.fromStack(stack).toJSON().Resources;
});

const idOf = (c: Construct) => stack.resolve((c.node.defaultChild as unknown as { logicalId: string }).logicalId);
const mappingOf = (fn: QueueFunction) =>
  Object.values(resources).find(
    (r) => r.Type === 'AWS::Lambda::EventSourceMapping' && r.Properties.FunctionName.Ref === idOf(fn),
  )!.Properties;
const allowedOf = (fn: QueueFunction) => {
  const role = stack.resolve((fn.role!.node.defaultChild as unknown as { logicalId: string }).logicalId);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === role))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as { Effect: string; Action: any; Resource: any }[])
    .filter((s) => s.Effect === 'Allow');
};

describe('a QueueFunction', () => {
  it('consumes its queue with partial batch responses, in batches of 10 and at most 5 at once unless props say', () => {
    expect(mappingOf(plain)).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [idOf(plain.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    expect(mappingOf(calling)).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 2,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 3 },
    });
    // The window its work queue was made with: the visibility timeout counts it (6 x 40 s + 5 s).
    expect(resources[idOf(calling.queue)]!.Properties.VisibilityTimeout).toBe(245);
  });

  it("times out at its queue's consumer timeout, the visibility being 6 timeouts plus the 1 s batching window, and knows its DLQ and receive count", () => {
    const fn = resources[idOf(plain)]!.Properties;
    expect(fn.Timeout).toBe(20);
    expect(resources[idOf(plain.queue)]!.Properties).toMatchObject({
      VisibilityTimeout: 121,
      RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: { 'Fn::GetAtt': [idOf(plain.dlq), 'Arn'] } },
    });
    expect(fn.Environment.Variables).toMatchObject({ DLQ_URL: { Ref: idOf(plain.dlq) }, MAX_RECEIVE_COUNT: '3' });
  });

  it('may send to its DLQ and touch single items of the tables it names, and read no secret unless it calls out', () => {
    const allowed = JSON.stringify(allowedOf(plain));
    expect(allowed).toContain('sqs:SendMessage');
    expect(allowed).toContain(idOf(plain.dlq));
    expect(allowed).toContain(idOf(stack.tables.records));
    expect(allowed).not.toContain(idOf(stack.tables.idempotency));
    expect(allowed).not.toContain('dynamodb:Query');
    expect(allowed).not.toContain('dynamodb:Scan');
    expect(allowed).not.toContain('secretsmanager');
  });

  it("reads only the provider's client secrets and records API notices when it calls the provider", () => {
    const allowed = JSON.stringify(allowedOf(calling));
    expect(allowed).toContain(idOf(stack.secrets.github!.token! as unknown as Construct));
    expect(allowed).not.toContain(idOf(stack.secrets.github!.webhookSecret! as unknown as Construct));
    expect(allowed).toContain(idOf(stack.tables.apiNotices));
    expect(resources[idOf(calling)]!.Properties.Environment.Variables.API_NOTICES_TABLE).toEqual({
      Ref: idOf(stack.tables.apiNotices),
    });
  });

  it('adds its errors and throttles alarms, and the DLQ alarm it is given, on its own DLQ', () => {
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const names = alarms.map((r) => r.Properties.AlarmName as string);
    expect(names).toEqual(
      expect.arrayContaining(['Test-lambda-errors-github-consumer', 'Test-lambda-throttles-github-consumer']),
    );
    const dlqAlarm = alarms.find((r) => r.Properties.AlarmName === 'Test-command-dlq-not-empty-github')!;
    expect(JSON.stringify(dlqAlarm.Properties)).toContain(idOf(calling.dlq));
    // The consumer without `monitoring` adds none.
    expect(names.filter((n) => n.includes('stripe-consumer'))).toEqual([]);
  });
});
