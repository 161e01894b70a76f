import { App, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthStage } from '../helpers/stage-stacks';
import { providers } from '../../lambdas/providers';
import { IntegrationStack } from '../../lib/integration-stack';
import { HandlerFunction } from '../../lib/lambda-function';
import { addStageStack } from '../../lib/stage-app';
import { StageSettings } from '../../lib/stage-settings';
import { parseStage, stackName, stageConfig, STAGE_NAMES, type StageName } from '../../lib/stages';

type Resource = {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; NotResource?: unknown };

// One synth per stage as the CDK app makes it from `-c stage=<name>` (bin/app.ts) with cdk.json's context, no bundling (the synth test bundles for real).
const templates = {} as Record<StageName, Template>;
const stacks = {} as Record<StageName, IntegrationStack>;
beforeAll(() => {
  for (const name of STAGE_NAMES) {
    const synth = synthStage(name);
    stacks[name] = synth.stack;
    templates[name] = synth.template;
  }
});

const resources = (t: Template, type: string): [string, Resource][] =>
  Object.entries(t.findResources(type)) as [string, Resource][];
const values = (t: Template, type: string): Resource[] => resources(t, type).map(([, r]) => r);
const output = (t: Template, key: string): unknown =>
  (t.toJSON().Outputs as Record<string, { Value: unknown }>)[key]?.Value;
/** Every policy statement with the role it is attached to. */
const statements = (t: Template): { role: string; s: Statement }[] =>
  resources(t, 'AWS::IAM::Policy').flatMap(([, p]) =>
    (p.Properties.Roles as { Ref: string }[]).flatMap(({ Ref: role }) =>
      (p.Properties.PolicyDocument.Statement as Statement[]).map((s) => ({ role, s })),
    ),
  );
const actions = (s: Statement): string[] => [s.Action].flat();

describe.each(STAGE_NAMES)('the %s stage', (name) => {
  const t = () => templates[name];
  const config = stageConfig(name);

  it('names its secrets <stage>/<provider>/<name> and tells every function that prefix and its own metrics namespace', () => {
    const secrets = values(t(), 'AWS::SecretsManager::Secret').map((s) => s.Properties.Name as string);
    expect(secrets.length).toBe(providers.reduce((n, p) => n + p.secrets.length, 0));
    for (const secret of secrets) expect(secret).toMatch(new RegExp(`^${name}/[a-z]+/[A-Za-z]+$`));
    expect(secrets).toContain(`${name}/github/webhookSecret`);
    for (const f of values(t(), 'AWS::Lambda::Function').filter(
      (f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
    )) {
      expect(f.Properties.Environment.Variables.METRICS_NAMESPACE).toBe(`IntegrationStack/${name}`);
      if (f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === 'webhook-ingest')
        expect(f.Properties.Environment.Variables.SECRET_PREFIX).toBe(name);
    }
  });

  it("lets a function read only this stage's secrets: an explicit deny outside <stage>/*, allows only on its own secrets", () => {
    const secretIds = new Map(
      resources(t(), 'AWS::SecretsManager::Secret').map(([id, s]) => [id, s.Properties.Name as string]),
    );
    const roles = resources(t(), 'AWS::IAM::Role').filter(([id]) => /(Ingest|Processor)ServiceRole/.test(id));
    expect(roles.length).toBeGreaterThanOrEqual(2 * providers.filter((p) => p.webhook).length);
    const all = statements(t());
    for (const [roleId] of roles) {
      const own = all.filter(({ role }) => role === roleId);
      const deny = own.find(({ s }) => s.Effect === 'Deny' && actions(s).includes('secretsmanager:GetSecretValue'));
      expect(JSON.stringify(deny?.s.NotResource), roleId).toContain(`:secret:${name}/*`);
    }
    const allows = all.filter(
      ({ s }) => s.Effect === 'Allow' && actions(s).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(allows.length).toBeGreaterThan(0);
    for (const { s } of allows) {
      for (const r of [s.Resource].flat() as { Ref?: string }[])
        expect(secretIds.get(r.Ref ?? '')).toMatch(new RegExp(`^${name}/`));
    }
  });

  it('tags every taggable resource with stage and service', () => {
    const types = [
      'AWS::SQS::Queue',
      'AWS::DynamoDB::Table',
      'AWS::Lambda::Function',
      'AWS::SecretsManager::Secret',
      'AWS::S3::Bucket',
      'AWS::SNS::Topic',
      'AWS::CloudWatch::Alarm',
    ];
    // CDK's own auto-delete provider (dev) is a raw CloudFormation resource that takes no tags.
    const tagged = types
      .flatMap((type) => resources(t(), type))
      .filter(([id]) => !id.startsWith('CustomS3AutoDeleteObjects'))
      .map(([, r]) => r);
    expect(tagged.length).toBeGreaterThan(10);
    for (const r of tagged)
      expect(r.Properties.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'stage', Value: name },
          { Key: 'service', Value: 'integration-stack' },
        ]),
      );
  });

  it('keeps or drops its data as the stage says (prod retains tables, bucket, secrets, keys and every log group)', () => {
    const policy = config.removal === 'retain' ? 'Retain' : 'Delete';
    // Log groups too: the functions' logs and the API access logs, the only record of callers' source IPs.
    const types = ['AWS::DynamoDB::Table', 'AWS::S3::Bucket', 'AWS::SecretsManager::Secret', 'AWS::KMS::Key'];
    for (const type of [...types, 'AWS::Logs::LogGroup']) {
      const found = resources(t(), type);
      expect(found.length, type).toBeGreaterThan(0);
      for (const [id, r] of found) {
        expect(r.DeletionPolicy, `${type} ${id}`).toBe(policy);
        expect(r.UpdateReplacePolicy, `${type} ${id}`).toBe(policy);
      }
    }
    expect(values(t(), 'Custom::S3AutoDeleteObjects')).toHaveLength(config.autoDeleteObjects ? 1 : 0);
  });

  // Log retention per stage: data-protection.test.ts.
  it('sets API throttling and archive retention from the stage', () => {
    t().hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: {
        ThrottlingRateLimit: config.throttle.rateLimit,
        ThrottlingBurstLimit: config.throttle.burstLimit,
      },
    });
    const blobs = stacks[name].resolve((stacks[name].blobs.bucket.node.defaultChild as CfnResource).logicalId);
    const bucket = t().toJSON().Resources[blobs] as Resource;
    expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ Prefix: 'archive/', ExpirationInDays: config.archiveRetentionDays }),
    );
  });

  it("traces with X-Ray only where the stage enables it, and logs at the stage's level", () => {
    const functions = values(t(), 'AWS::Lambda::Function').filter(
      (f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
    );
    expect(functions.length).toBeGreaterThan(0);
    for (const f of functions) {
      expect(f.Properties.TracingConfig?.Mode).toBe(config.tracing ? 'Active' : undefined);
      const ingest = f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === 'webhook-ingest';
      expect(f.Properties.Environment.Variables.POWERTOOLS_LOG_LEVEL).toBe(
        ingest ? config.ingestLogLevel : config.logLevel,
      );
    }
  });

  it("names alarms and the dashboard after the stage's stack, with the stage's thresholds, and outputs what operators need", () => {
    const alarms = values(t(), 'AWS::CloudWatch::Alarm');
    for (const a of alarms) expect(a.Properties.AlarmName).toMatch(new RegExp(`^IntegrationStack-${name}-`));
    const sunset = alarms.find((a) => a.Properties.AlarmName === `IntegrationStack-${name}-api-sunset-soon-github`)!;
    expect(sunset.Properties).toMatchObject({
      Threshold: config.sunsetWarningDays,
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(sunset.Properties.Metrics[0].MetricStat).toMatchObject({
      Metric: { MetricName: 'SunsetDays', Namespace: `IntegrationStack/${name}` },
      Stat: 'Minimum',
      Period: 3600,
    });
    const signatures = alarms.find(
      (a) => a.Properties.AlarmName === `IntegrationStack-${name}-signature-rejections-github`,
    )!;
    expect(signatures.Properties.Threshold).toBe(config.alarms['signature-rejections']?.threshold ?? 10);
    t().hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: `IntegrationStack-${name}-integrations` });
    expect(output(t(), 'Stage')).toBe(name);
    expect(output(t(), 'SecretPrefix')).toBe(`${name}/`);
    expect(output(t(), 'MetricsNamespace')).toBe(`IntegrationStack/${name}`);
    for (const p of providers.filter((x) => x.webhook))
      expect(JSON.stringify(output(t(), `WebhookUrl${p.name}`))).toContain(`/webhooks/${p.name}`);
    expect(output(t(), 'ApiNoticesTableName')).toEqual({ Ref: expect.stringMatching(/^ApiNoticesTable/) });
  });
});

describe('stages differ', () => {
  it('in every stage-dependent setting the stage file gives', () => {
    const distinct = (f: (n: StageName) => unknown) => new Set(STAGE_NAMES.map((n) => JSON.stringify(f(n)))).size;
    expect(distinct((n) => output(templates[n], 'SecretPrefix'))).toBe(3);
    expect(distinct((n) => values(templates[n], 'AWS::Logs::LogGroup')[0]!.Properties.RetentionInDays)).toBe(3);
    expect(distinct((n) => values(templates[n], 'AWS::ApiGatewayV2::Stage')[0]!.Properties.DefaultRouteSettings)).toBe(
      3,
    );
    expect(stageConfig('dev').removal).toBe('destroy');
    expect(stageConfig('prod').removal).toBe('retain');
  });
});

describe('a staging stack with on-call and an added poller', () => {
  let t: Template;
  let stack: IntegrationStack;
  let poller: HandlerFunction;
  beforeAll(() => {
    const stage = parseStage({
      ...stageConfig('staging'),
      tracing: true,
      logLevel: 'WARN',
      oncall: {
        emails: ['staging-oncall@example.com'],
        urls: ['https://events.pagerduty.example/integration/abc/enqueue'],
      },
    });
    const app = new App({
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [], oncallEmails: 'lead@example.com' },
    });
    stack = new IntegrationStack(app, stackName('staging'), { providers, stage });
    // What a poller or writer construct does: a HandlerFunction, plus one line to record API notices.
    poller = new HandlerFunction(stack, 'Poller', { handler: 'event-processor' });
    stack.recordApiNotices(poller, 'github');
    t = Template.fromStack(stack);
  });

  it('turns on X-Ray active tracing and the log level the stage asks for, on every function including added ones', () => {
    const functions = values(t, 'AWS::Lambda::Function').filter(
      (f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME,
    );
    expect(functions.length).toBeGreaterThan(1);
    for (const f of functions)
      expect(f.Properties).toMatchObject({
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: { POWERTOOLS_LOG_LEVEL: 'WARN' } },
      });
  });

  it('subscribes on-call per stage: the stage file, plus -c oncallEmails at deploy time', () => {
    const subs = values(t, 'AWS::SNS::Subscription')
      .map((s) => `${s.Properties.Protocol}:${s.Properties.Endpoint}`)
      .sort();
    expect(subs).toEqual([
      'email:lead@example.com',
      'email:staging-oncall@example.com',
      'https:https://events.pagerduty.example/integration/abc/enqueue',
    ]);
    expect(values(templates.dev, 'AWS::SNS::Subscription')).toHaveLength(0);
  });

  it("gives added constructs the stage without a line of their own (log retention, secrets deny); one line records a provider's API notices", () => {
    expect(StageSettings.of(poller)).toBe(stack.stage);
    expect(stack.stage.secretName('github', 'token')).toBe('staging/github/token');
    expect(stack.stage.resourceName('poller')).toBe('IntegrationStack-staging-poller');
    const [, fn] = resources(t, 'AWS::Lambda::Function').find(([id]) => id.startsWith('Poller'))!;
    expect(fn.Properties.Environment.Variables.API_NOTICES_TABLE).toEqual({
      Ref: expect.stringMatching(/^ApiNoticesTable/),
    });
    const [, logs] = resources(t, 'AWS::Logs::LogGroup').find(([id]) => id.startsWith('PollerLogs'))!;
    expect(logs.Properties.RetentionInDays).toBe(14);
    const role = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const own = statements(t)
      .filter((x) => x.role === role)
      .map((x) => x.s);
    expect(own).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ApiNoticesTable/), 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['github'] } },
      }),
    );
    expect(JSON.stringify(own.find((x) => x.Effect === 'Deny')?.NotResource)).toContain(':secret:staging/*');
  });
});

describe('the CDK app (bin/app.ts)', () => {
  it('names each stack IntegrationStack-<stage>, environment-agnostic without credentials, pinned where the stage or CDK variables say', () => {
    for (const name of STAGE_NAMES) {
      expect(stacks[name].stackName).toBe(`IntegrationStack-${name}`);
      expect(stacks[name].environment).toBe('aws://unknown-account/unknown-region');
    }
    const pinned = addStageStack(
      new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [], stage: 'prod' } }),
      { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' },
    );
    expect(pinned.environment).toBe('aws://123456789012/eu-west-1');
    expect(() =>
      addStageStack(new App({ builtinCloudFormationValidation: false, context: { stage: 'qa' } }), {}),
    ).toThrow('unknown stage "qa"; one of dev, staging, prod');
  });

  it('defaults to dev', () => {
    expect(
      addStageStack(new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } }), {})
        .stage.name,
    ).toBe('dev');
  });
});
