import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { providers } from '../../lambdas/providers';
import { football, fixturesPoll } from '../../lambdas/providers/football';
import type { PollSpec, ProviderDefinition } from '../../lambdas/core/provider';
import { IntegrationStack } from '../../lib/integration-stack';

let stack: IntegrationStack;
let template: Template;

beforeAll(() => {
  // No bundling here: the synth test bundles for real.
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new IntegrationStack(app, 'Test', { providers });
  template = Template.fromStack(stack);
});

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resources = (type: string): Resources => template.findResources(type) as Resources;
const ref = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const id = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId((construct.node.defaultChild ?? construct) as never);

describe('scheduled polls', () => {
  it('one EventBridge schedule per poll, invoking the poller with { provider, poll }, with retries and a DLQ', () => {
    const polls = providers.flatMap((p) => (p.polls ?? []).map((poll) => [p, poll] as const));
    // Recoveries have schedules of their own (test/infra/recovery.test.ts).
    const pollSchedules = Object.values(resources('AWS::Scheduler::Schedule')).filter((s) =>
      JSON.stringify(s.Properties.Target).includes('\\"poll\\"'),
    );
    expect(pollSchedules).toHaveLength(polls.length);
    const dlq = id(stack.polls.football!.dlq);
    const poller = id(stack.polls.football!.poller);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: ref(poller),
        Input: JSON.stringify({ provider: 'football', poll: 'fixtures' }),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: ref(dlq) },
      },
    });
  });

  it('an encrypted, TLS-only scheduler DLQ that also takes failed poller runs', () => {
    const dlq = id(stack.polls.football!.dlq);
    expect(resources('AWS::SQS::Queue')[dlq]!.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    const policy = Object.values(resources('AWS::SQS::QueuePolicy')).find((p) =>
      JSON.stringify(p.Properties.Queues).includes(dlq),
    )!;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id(stack.polls.football!.poller) },
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: ref(dlq) } },
    });
  });

  it("the poller's timeout is the poll's, and the client inside ends every call before it (its deadline is the remaining time)", () => {
    const fn = resources('AWS::Lambda::Function')[id(stack.polls.football!.poller)]!;
    expect(fn.Properties.Timeout).toBe(fixturesPoll.timeoutSeconds);
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      PROVIDER: 'football',
      POWERTOOLS_SERVICE_NAME: 'poller',
      RECORDS_TABLE: { Ref: expect.stringMatching(/^RecordsTable/) },
      CHECKPOINTS_TABLE: { Ref: expect.stringMatching(/^CheckpointsTable/) },
      GAPS_TABLE: { Ref: expect.stringMatching(/^GapsTable/) },
      QUARANTINE_TABLE: { Ref: expect.stringMatching(/^QuarantineTable/) },
    });
  });

  it('refuses a poll timeout too short for one attempt and the margins, or longer than Lambda allows', () => {
    const short: ProviderDefinition = { ...football, polls: [{ ...(fixturesPoll as PollSpec), timeoutSeconds: 10 }] };
    expect(
      () =>
        new IntegrationStack(
          new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } }),
          'Short',
          { providers: [short] },
        ),
    ).toThrow(/between 25 s .* and 900 s/);
    const long: ProviderDefinition = { ...football, polls: [{ ...(fixturesPoll as PollSpec), timeoutSeconds: 1000 }] };
    expect(
      () =>
        new IntegrationStack(
          new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } }),
          'Long',
          { providers: [long] },
        ),
    ).toThrow(/900 s/);
  });

  it('state tables: checkpoints by provider#poll, gaps by window, quarantined records expiring', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'poll', KeyType: 'HASH' },
        { AttributeName: 'window', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'poll', KeyType: 'HASH' },
        { AttributeName: 'id', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('least privilege: the poller reads only its API key and does only what the sync needs on each table', () => {
    const policies = Object.entries(resources('AWS::IAM::Policy'));
    const [, poller] = policies.find(([key]) => key.startsWith('PollfootballPollerServiceRole'))!;
    // Allowed statements only: every function also carries an explicit Deny on other stages' secrets.
    const statements = (
      poller.Properties.PolicyDocument as {
        Statement: { Effect: string; Action: string | string[]; Resource: unknown }[];
      }
    ).Statement.filter((s) => s.Effect === 'Allow');
    const on = (table: string) =>
      statements
        .filter((s) => JSON.stringify(s.Resource).includes(table))
        .flatMap((s) => [s.Action].flat())
        .sort();
    expect(on('RecordsTable')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(on('CheckpointsTable')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(on('GapsTable')).toEqual(['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(on('QuarantineTable')).toEqual(['dynamodb:UpdateItem']);
    const text = JSON.stringify(poller.Properties);
    expect(text).toContain('SecretfootballapiKey');
    expect(text.match(/Secret[a-z]+[A-Za-z]+/g)!.every((s) => s.startsWith('Secretfootball'))).toBe(true);
    expect(text).not.toContain('sqs:ReceiveMessage');
    // The poll scheduler's role may invoke the poller and reach the DLQ, nothing else.
    const scheduler = policies
      .filter(([key]) => key.startsWith('PollfootballSchedulerRole'))
      .map(([, p]) => JSON.stringify(p.Properties));
    expect(scheduler).toHaveLength(1);
    expect(scheduler[0]).toContain(id(stack.polls.football!.poller));
    expect(scheduler[0]).not.toContain('dynamodb:');
  });

  it('outputs the poller function name for `npm run sync -- --aws --function`', () => {
    template.hasOutput('PollerFunctionfootball', { Value: { Ref: id(stack.polls.football!.poller) } });
  });

  it("keeps the records API's polls catalogue out of its environment (synth.slow checks it is in the bundle)", () => {
    const reader = resources('AWS::Lambda::Function')[id(stack.records.reader)]!;
    const env = (reader.Properties.Environment as { Variables: Record<string, string> }).Variables;
    // Lambda's variables are 4 KB in all: a catalogue of many providers would not fit.
    expect(env.RECORD_POLLS).toBeUndefined();
  });
});
