import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { providers } from '../../lambdas/providers';
import { IntegrationStack } from '../../lib/integration-stack';
import { stageConfig } from '../../lib/stages';

let template: Template;

beforeAll(() => {
  // No bundling here: the synth test bundles for real.
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new IntegrationStack(app, 'Test', { providers, stage: stageConfig('prod') }));
});

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resources = (type: string): Resources => template.findResources(type) as Resources;

describe('IntegrationStack', () => {
  it('routes ANY /webhooks/{provider} for every provider with a webhook', () => {
    for (const p of providers.filter((x) => x.webhook)) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `ANY /webhooks/${p.name}` });
    }
  });

  it('throttles the API stage and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('gives each provider an encrypted queue with a DLQ after 5 receives, kept longer than the queue', () => {
    const queues = Object.values(resources('AWS::SQS::Queue'));
    const main = queues.find((q) => q.Properties.RedrivePolicy)!;
    const dlq = queues.find((q) => !q.Properties.RedrivePolicy)!;
    expect(main.Properties.SqsManagedSseEnabled).toBe(true);
    expect(dlq.Properties.SqsManagedSseEnabled).toBe(true);
    expect((main.Properties.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount).toBe(5);
    expect(dlq.Properties.MessageRetentionPeriod as number).toBeGreaterThan(
      main.Properties.MessageRetentionPeriod as number,
    );
  });

  it('sets the visibility timeout to at least 6x the processor timeout', () => {
    const main = Object.values(resources('AWS::SQS::Queue')).find((q) => q.Properties.RedrivePolicy)!;
    const processor = Object.values(resources('AWS::Lambda::Function')).find(
      (f) =>
        (f.Properties.Environment as { Variables: Record<string, string> }).Variables.POWERTOOLS_SERVICE_NAME ===
        'event-processor',
    )!;
    expect(main.Properties.VisibilityTimeout as number).toBeGreaterThanOrEqual(
      6 * (processor.Properties.Timeout as number),
    );
  });

  it('denies non-TLS access to every queue', () => {
    const policies = Object.values(resources('AWS::SQS::QueuePolicy'));
    expect(policies.length).toBe(Object.keys(resources('AWS::SQS::Queue')).length);
    for (const p of policies) {
      expect(JSON.stringify(p.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('consumes webhooks in batches of up to 50 gathered for at most 40 s, with partial failures; the queue hiding a message for 6 timeouts plus the window', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 40,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * 30 + 40 });
  });

  it('creates the idempotency table (id, TTL on expiration, on demand) and the records table with PITR', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('declares one secret per provider secret name, named for the stage, retained on delete in prod', () => {
    for (const p of providers) {
      for (const name of p.secrets)
        template.hasResource('AWS::SecretsManager::Secret', {
          Properties: { Name: `prod/${p.name}/${name}` },
          DeletionPolicy: 'Retain',
        });
    }
  });

  it('runs every function on Node.js 22 with its own log group and a retention', () => {
    const functions = Object.values(resources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(0);
    const groups = functions.map((f) => {
      expect(f.Properties.Runtime).toBe('nodejs22.x');
      const group = (f.Properties.LoggingConfig as { LogGroup?: { Ref: string } }).LogGroup?.Ref;
      expect(resources('AWS::Logs::LogGroup')[group!], group).toBeDefined();
      return group;
    });
    expect(new Set(groups).size).toBe(functions.length);
    for (const g of Object.values(resources('AWS::Logs::LogGroup')))
      expect(g.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it('lets the ingest function read only the webhook secret and send only to its queue', () => {
    const policies = Object.values(resources('AWS::IAM::Policy')).map((p) => JSON.stringify(p.Properties));
    const ingest = policies.find((p) => p.includes('IngestServiceRole'))!;
    expect(ingest).toContain('secretsmanager:GetSecretValue');
    expect(ingest).toContain('Secretgithubwebhook');
    expect(ingest).not.toContain('Secretgithubtoken');
    expect(ingest).toContain('sqs:SendMessage');
    expect(ingest).not.toContain('dynamodb:');
    const processor = policies.find((p) => p.includes('ProcessorServiceRole'))!;
    const allowed = (
      JSON.parse(processor) as { PolicyDocument: { Statement: { Effect: string; Action: string | string[] }[] } }
    ).PolicyDocument.Statement.filter((s) => s.Effect === 'Allow');
    expect(JSON.stringify(allowed)).not.toContain('secretsmanager:');
    expect(processor).toContain('dynamodb:PutItem');
  });

  it("lets Trello's ingest function read its signing secret and signed callback URL, not its API credentials", () => {
    const policies = Object.entries(resources('AWS::IAM::Policy')).map(
      ([id, p]) => [id, JSON.stringify(p.Properties)] as const,
    );
    const ingest = policies.find(([id]) => id.startsWith('WebhooktrelloIngestServiceRole'))![1];
    expect(ingest).toContain('SecrettrelloappSecret');
    expect(ingest).toContain('SecrettrellocallbackUrl');
    expect(ingest).not.toContain('SecrettrelloapiKey');
    expect(ingest).not.toContain('Secrettrellotoken');
  });

  it('outputs each provider webhook URL', () => {
    template.hasOutput('WebhookUrlgithub', { Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
  });
});
