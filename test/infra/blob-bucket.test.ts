import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { providers } from '../../lambdas/providers';
import { IntegrationStack } from '../../lib/integration-stack';
import { stageConfig } from '../../lib/stages';

let template: Template;

beforeAll(() => {
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  // Staging keeps the default archive retention and its bucket (no auto-delete function).
  template = Template.fromStack(new IntegrationStack(app, 'Test', { providers, stage: stageConfig('staging') }));
});

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resources = (type: string): Resources => template.findResources(type) as Resources;
const policyOf = (role: string): string =>
  Object.values(resources('AWS::IAM::Policy'))
    .map((p) => JSON.stringify(p.Properties))
    .find((p) => p.includes(role))!;

describe('blob bucket (claim check and archive)', () => {
  it('encrypts at rest with SSE-S3 and blocks every kind of public access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  it('denies every request that is not over TLS', () => {
    const [policy] = Object.values(resources('AWS::S3::BucketPolicy'));
    const statements = (policy!.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('expires the archive after 7 days and payloads after every queue, DLQ and archive reference is gone', () => {
    const [bucket] = Object.values(resources('AWS::S3::Bucket'));
    const rules = (
      bucket!.Properties.LifecycleConfiguration as {
        Rules: { Prefix?: string; ExpirationInDays?: number; Status: string }[];
      }
    ).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({ Prefix: 'archive/', ExpirationInDays: 7, Status: 'Enabled' }),
    );
    const payloads = rules.find((r) => r.Prefix === 'payloads/')!;
    // 4 days in the queue + 14 in the DLQ (the processor re-sends there), plus a day.
    expect(payloads.ExpirationInDays).toBe(19);
  });

  it('keeps archive retention configurable', () => {
    const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
    const t = Template.fromStack(new IntegrationStack(app, 'Short', { providers, archiveRetentionDays: 3 }));
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'archive/', ExpirationInDays: 3 })]),
      },
    });
  });

  it('lets the ingest function only put payloads under its own provider prefix', () => {
    const ingest = policyOf('IngestServiceRole');
    expect(ingest).toContain('"Action":"s3:PutObject"');
    expect(ingest).toContain('/payloads/github/*');
    expect(ingest).not.toContain('s3:GetObject');
    expect(ingest).not.toContain('/archive/');
  });

  it('lets the processor read its provider payloads and write its provider archive, nothing else', () => {
    const processor = policyOf('ProcessorServiceRole');
    expect(processor).toContain('"Action":"s3:GetObject"');
    expect(processor).toMatch(
      /"Action":"s3:GetObject","Effect":"Allow","Resource":\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["[^"]+","Arn"\]\},"\/payloads\/github\/\*"\]\]\}/,
    );
    expect(processor).toMatch(
      /"Action":"s3:PutObject","Effect":"Allow","Resource":\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["[^"]+","Arn"\]\},"\/archive\/github\/\*"\]\]\}/,
    );
    expect(processor).not.toContain('s3:DeleteObject');
    expect(processor).not.toContain('s3:*');
  });

  it('tells both functions the bucket name, outputs it, and tags it and the queues for the ops CLI instead of one output per queue', () => {
    const vars = (f: { Properties: Record<string, unknown> }) =>
      (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const webhookFns = Object.values(resources('AWS::Lambda::Function')).filter((f) =>
      ['webhook-ingest', 'event-processor'].includes(vars(f).POWERTOOLS_SERVICE_NAME as string),
    );
    expect(new Set(webhookFns.map((f) => vars(f).POWERTOOLS_SERVICE_NAME))).toEqual(
      new Set(['webhook-ingest', 'event-processor']),
    );
    const bucket = template.findOutputs('BlobBucketName').BlobBucketName?.Value as { Ref: string };
    expect(resources('AWS::S3::Bucket')[bucket.Ref]).toBeDefined();
    for (const f of webhookFns) expect(vars(f).BLOB_BUCKET).toEqual({ Ref: bucket.Ref });
    expect(Object.keys(template.findOutputs('*')).filter((k) => /^(Queue|Dlq)Url/.test(k))).toEqual([]);
    const tags = (r: { Properties: Record<string, unknown> }) =>
      Object.fromEntries(((r.Properties.Tags ?? []) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]));
    expect(tags(resources('AWS::S3::Bucket')[bucket.Ref]!)).toMatchObject({ 'integration:resource': 'blobs' });
    const queues = Object.values(resources('AWS::SQS::Queue')).map(tags);
    expect(queues).toContainEqual(
      expect.objectContaining({ 'integration:resource': 'webhooks-dlq', 'integration:provider': 'github' }),
    );
    expect(queues).toContainEqual(
      expect.objectContaining({ 'integration:resource': 'webhooks', 'integration:provider': 'github' }),
    );
  });
});
