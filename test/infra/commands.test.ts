import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { providers } from '../../lambdas/providers';
import { IntegrationStack } from '../../lib/integration-stack';

let template: Template;
let stack: IntegrationStack;

beforeAll(() => {
  // No bundling here: the synth test bundles for real.
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new IntegrationStack(app, 'Test', { providers });
  // Another service that may submit Trello commands.
  stack.commands.trello!.grantSend(
    new Role(stack, 'Caller', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
  );
  template = Template.fromStack(stack);
});

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resources = (type: string): Resources => template.findResources(type) as Resources;
const writers = providers.filter((p) => p.writes).map((p) => p.name);
const byId = (type: string, prefix: string) => Object.entries(resources(type)).filter(([id]) => id.startsWith(prefix));
const policyOf = (prefix: string): string =>
  JSON.stringify(byId('AWS::IAM::Policy', prefix).map(([, p]) => p.Properties));
/** Only what a role is allowed (every function also carries an explicit Deny on other stages' secrets). */
const allowedOf = (prefix: string): string =>
  JSON.stringify(
    byId('AWS::IAM::Policy', prefix).flatMap(([, p]) =>
      (p.Properties.PolicyDocument as { Statement: { Effect: string }[] }).Statement.filter(
        (st) => st.Effect === 'Allow',
      ),
    ),
  );
const envOf = (prefix: string) =>
  (byId('AWS::Lambda::Function', prefix)[0]![1].Properties.Environment as { Variables: Record<string, unknown> })
    .Variables;

describe('outbound writes in the stack', () => {
  it('has writes for slack, stripe and trello only', () => {
    expect(writers).toEqual(['slack', 'stripe', 'trello']);
    expect(Object.keys(stack.commands).sort()).toEqual(['slack', 'stripe', 'trello']);
    expect(byId('AWS::Lambda::Function', 'Commandsgithub')).toHaveLength(0);
  });

  it.each(writers)('%s: routes POST /commands/%s to its accept function behind IAM authorisation', (p) => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: `POST /commands/${p}`,
      AuthorizationType: 'AWS_IAM',
    });
    template.hasOutput(`CommandUrl${p}`, { Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
  });

  it.each(writers)(
    '%s: an encrypted, TLS-only command queue with a DLQ after 5 receives and a visibility of 6x the writer timeout',
    (p) => {
      const queues = byId('AWS::SQS::Queue', `Commands${p}`).map(([, q]) => q.Properties);
      const main = queues.find((q) => q.RedrivePolicy)!;
      const dlq = queues.find((q) => !q.RedrivePolicy)!;
      expect(main.SqsManagedSseEnabled).toBe(true);
      expect(dlq.SqsManagedSseEnabled).toBe(true);
      expect((main.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount).toBe(5);
      expect(dlq.MessageRetentionPeriod).toBe(14 * 86_400);
      const writer = byId('AWS::Lambda::Function', `Commands${p}Writer`)[0]![1].Properties;
      expect(main.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * (writer.Timeout as number));
      for (const [, policy] of byId('AWS::SQS::QueuePolicy', `Commands${p}`))
        expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
      expect(byId('AWS::SQS::QueuePolicy', `Commands${p}`)).toHaveLength(2);
    },
  );

  it.each(writers)(
    '%s: the writer consumes its queue with partial batch failures, a batch size and a maximum concurrency',
    (p) => {
      const mappings = Object.values(resources('AWS::Lambda::EventSourceMapping')).filter((m) =>
        JSON.stringify(m.Properties.FunctionName).includes(`Commands${p}Writer`),
      );
      expect(mappings).toHaveLength(1);
      expect(mappings[0]!.Properties).toMatchObject({
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: 5,
        ScalingConfig: { MaximumConcurrency: 2 },
      });
      expect(JSON.stringify(mappings[0]!.Properties.EventSourceArn)).toContain(`Commands${p}Queue`);
    },
  );

  it('creates the external-ids table (PITR) and the commands table (TTL, byProvider index) from the shared specs', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'commandId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byProvider',
          KeySchema: [
            { AttributeName: 'provider', KeyType: 'HASH' },
            { AttributeName: 'updatedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(Object.keys(byId('AWS::DynamoDB::Table', 'ExternalIdsTable'))).toHaveLength(1);
  });

  it("lets each writer read only its provider's client credentials, never a webhook signing secret", () => {
    const stripe = policyOf('CommandsstripeWriterServiceRole');
    expect(stripe).toContain('SecretstripesecretKey');
    expect(stripe).not.toContain('SecretstripewebhookSecret');
    expect(stripe).not.toContain('Secrettrello');
    const trello = policyOf('CommandstrelloWriterServiceRole');
    expect(trello).toContain('SecrettrelloapiKey');
    expect(trello).toContain('Secrettrellotoken');
    expect(trello).not.toContain('SecrettrelloappSecret');
    expect(trello).not.toContain('SecrettrellocallbackUrl');
    expect(trello).not.toContain('Secretstripe');
  });

  it('lets the writer use its DLQ and the idempotency, external-ids and commands tables, and the accept function only its queue and the commands table', () => {
    const writer = policyOf('CommandstrelloWriterServiceRole');
    for (const table of ['IdempotencyTable', 'ExternalIdsTable', 'CommandsTable']) expect(writer).toContain(table);
    expect(writer).not.toContain('RecordsTable');
    expect(writer).toContain('CommandstrelloDlq');
    const accept = policyOf('CommandstrelloAcceptServiceRole');
    expect(accept).toContain('sqs:SendMessage');
    expect(accept).toContain('CommandstrelloQueue');
    expect(accept).not.toContain('CommandsstripeQueue');
    expect(accept).toContain('CommandsTable');
    expect(accept).not.toContain('ExternalIdsTable');
    expect(allowedOf('CommandstrelloAcceptServiceRole')).not.toContain('secretsmanager:');
  });

  it('wires the handlers to their tables, queues and provider through the environment', () => {
    expect(Object.keys(envOf('CommandstrelloWriter'))).toEqual(
      expect.arrayContaining([
        'PROVIDER',
        'DLQ_URL',
        'SECRET_PREFIX',
        'IDEMPOTENCY_TABLE',
        'EXTERNAL_IDS_TABLE',
        'COMMANDS_TABLE',
        'MAX_RECEIVE_COUNT',
      ]),
    );
    expect(envOf('CommandstrelloWriter').PROVIDER).toBe('trello');
    expect(Object.keys(envOf('CommandsstripeAccept'))).toEqual(
      expect.arrayContaining(['PROVIDER', 'QUEUE_URL', 'COMMANDS_TABLE']),
    );
  });

  it('grantSend lets another principal invoke the route and send to the queue', () => {
    const caller = policyOf('CallerDefaultPolicy');
    expect(caller).toContain('execute-api:Invoke');
    expect(caller).toContain('/POST/commands/trello');
    expect(caller).toContain('sqs:SendMessage');
  });

  it('exposes each command DLQ for alarms', () => {
    expect(Stack.of(stack.commands.stripe!.dlq)).toBe(stack);
    expect(stack.commands.trello!.dlq.node.path).toBe('Test/Commands-trello/Dlq');
  });
});
