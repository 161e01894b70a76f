import { beforeAll, describe, expect, it } from 'vitest';
import { providers } from '../../lambdas/providers';
import { stageConfig, STAGE_NAMES, type StageName } from '../../lib/stages';
import { list, ofType, render, synthStage, type StageSynth } from '../helpers/stage-stacks';

type Doc = {
  Statement: { Effect: string; Principal?: unknown; Condition?: Record<string, Record<string, unknown>> }[];
};

/** HTTP API's access-log variables (AWS docs, "Customize HTTP API access logs"); REST-only ones such as resourcePath log nothing. */
const HTTP_API_LOG_VARIABLES = new Set([
  'accountId',
  'apiId',
  'awsEndpointRequestId',
  'dataProcessed',
  'domainName',
  'domainPrefix',
  'error.message',
  'error.messageString',
  'error.responseType',
  'extendedRequestId',
  'httpMethod',
  'identity.accountId',
  'identity.caller',
  'identity.sourceIp',
  'identity.user',
  'identity.userAgent',
  'identity.userArn',
  'integration.error',
  'integration.integrationStatus',
  'integration.latency',
  'integration.status',
  'integrationErrorMessage',
  'integrationLatency',
  'integrationStatus',
  'path',
  'protocol',
  'requestId',
  'requestTime',
  'requestTimeEpoch',
  'responseLatency',
  'responseLength',
  'routeKey',
  'stage',
  'status',
]);

const stages = {} as Record<StageName, StageSynth>;
beforeAll(() => {
  for (const name of STAGE_NAMES) stages[name] = synthStage(name);
});

/** Whether a resource policy denies every principal any request that is not over TLS. */
const deniesPlainHttp = (doc: Doc): boolean =>
  doc.Statement.some(
    (st) =>
      st.Effect === 'Deny' &&
      ['"*"', '{"AWS":"*"}'].includes(JSON.stringify(st.Principal)) &&
      st.Condition?.Bool?.['aws:SecureTransport'] === 'false',
  );

/** The policy documents of `type` (queue, bucket, topic policies) that apply to resource `id`. */
function policiesOf(s: StageSynth, type: string, targets: string, id: string): Doc[] {
  return ofType(s, type)
    .filter(([, p]) => list(p.Properties[targets]).map(render).includes(`<${id}>`))
    .map(([, p]) => p.Properties.PolicyDocument as Doc);
}

describe.each(STAGE_NAMES)(
  'data protection in the %s stage (every resource of each type, whoever added it)',
  (name) => {
    const s = () => stages[name];
    const config = stageConfig(name);
    const each = (type: string) => {
      const found = ofType(s(), type);
      expect(found.length, type).toBeGreaterThan(0);
      return found;
    };

    it('encrypts every queue at rest and denies it every request not over TLS', () => {
      for (const [id, q] of each('AWS::SQS::Queue')) {
        expect(q.Properties.SqsManagedSseEnabled === true || q.Properties.KmsMasterKeyId !== undefined, id).toBe(true);
        expect(policiesOf(s(), 'AWS::SQS::QueuePolicy', 'Queues', id).some(deniesPlainHttp), id).toBe(true);
      }
    });

    it('encrypts every table with KMS and keeps point-in-time recovery on', () => {
      for (const [id, t] of each('AWS::DynamoDB::Table')) {
        expect(t.Properties.SSESpecification, id).toMatchObject({ SSEEnabled: true });
        expect(t.Properties.PointInTimeRecoverySpecification, id).toMatchObject({ PointInTimeRecoveryEnabled: true });
      }
    });

    it('encrypts every bucket, blocks every kind of public access, disables ACLs and denies every request not over TLS', () => {
      for (const [id, b] of each('AWS::S3::Bucket')) {
        const [rule] = b.Properties.BucketEncryption.ServerSideEncryptionConfiguration as {
          ServerSideEncryptionByDefault: { SSEAlgorithm: string };
        }[];
        expect(['AES256', 'aws:kms', 'aws:kms:dsse'], id).toContain(rule!.ServerSideEncryptionByDefault.SSEAlgorithm);
        expect(b.Properties.PublicAccessBlockConfiguration, id).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        expect(b.Properties.OwnershipControls, id).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
        expect(policiesOf(s(), 'AWS::S3::BucketPolicy', 'Bucket', id).some(deniesPlainHttp), id).toBe(true);
      }
    });

    it('encrypts every topic with a customer managed key that rotates, and denies every request not over TLS', () => {
      for (const [id, t] of each('AWS::SNS::Topic')) {
        const key = render(t.Properties.KmsMasterKeyId).replace(/^<(.+)\.Arn>$/, '$1');
        expect(s().resources[key]?.Type, id).toBe('AWS::KMS::Key');
        expect(policiesOf(s(), 'AWS::SNS::TopicPolicy', 'Topics', id).some(deniesPlainHttp), id).toBe(true);
      }
      for (const [id, k] of each('AWS::KMS::Key')) expect(k.Properties.EnableKeyRotation, id).toBe(true);
    });

    it('keeps no secret value in the template: every secret starts as a generated placeholder', () => {
      for (const [id, secret] of each('AWS::SecretsManager::Secret')) {
        expect(secret.Properties.SecretString, id).toBeUndefined();
        expect(secret.Properties.GenerateSecretString, id).toBeDefined();
      }
    });

    it("keeps every log group for the stage's retention, and gives every function a log group of its own", () => {
      for (const [id, g] of each('AWS::Logs::LogGroup'))
        expect(g.Properties.RetentionInDays, id).toBe(config.logRetentionDays);
      const groups = each('AWS::Lambda::Function').map(([id, f]) => {
        const group = render(f.Properties.LoggingConfig?.LogGroup).replace(/^<(.+)>$/, '$1');
        expect(s().resources[group]?.Type, `${id} logs to ${group}`).toBe('AWS::Logs::LogGroup');
        return group;
      });
      expect(new Set(groups).size).toBe(groups.length);
    });

    it('logs no payloads from configuration: no function logs its event or runs at DEBUG', () => {
      for (const [id, f] of each('AWS::Lambda::Function')) {
        const vars = (f.Properties.Environment?.Variables ?? {}) as Record<string, string>;
        expect(vars.POWERTOOLS_LOGGER_LOG_EVENT, id).not.toBe('true');
        expect(['DEBUG', 'TRACE'], id).not.toContain(vars.POWERTOOLS_LOG_LEVEL?.toUpperCase());
        expect(['DEBUG', 'TRACE'], id).not.toContain(f.Properties.LoggingConfig?.ApplicationLogLevel);
      }
    });

    it("throttles the API stage by the stage file's rate and burst, and writes JSON access logs of HTTP API variables only, without bodies", () => {
      for (const [id, st] of each('AWS::ApiGatewayV2::Stage')) {
        expect(st.Properties.DefaultRouteSettings, id).toMatchObject({
          ThrottlingRateLimit: config.throttle.rateLimit,
          ThrottlingBurstLimit: config.throttle.burstLimit,
        });
        const destination = render(st.Properties.AccessLogSettings.DestinationArn).replace(/^<(.+)\.Arn>$/, '$1');
        expect(s().resources[destination]?.Type, id).toBe('AWS::Logs::LogGroup');
        const format = st.Properties.AccessLogSettings.Format as string;
        const fields = JSON.parse(format) as Record<string, string>;
        expect(Object.keys(fields)).toEqual(expect.arrayContaining(['requestId', 'ip', 'routeKey', 'status', 'error']));
        const variables = [...format.matchAll(/\$context\.([A-Za-z.]+)/g)].map((m) => m[1]!);
        expect(
          variables.filter((v) => !HTTP_API_LOG_VARIABLES.has(v)),
          id,
        ).toEqual([]);
      }
    });

    it("authorises every route: AWS_IAM for commands, and for webhooks only its provider's signature-verifying ingest function", () => {
      const functionOf = (integration: string) => {
        const uri = render(s().resources[integration]!.Properties.IntegrationUri).replace(/^<(.+)\.Arn>$/, '$1');
        return s().resources[uri]!.Properties.Environment.Variables as Record<string, string>;
      };
      const webhooks: string[] = [];
      for (const [id, route] of each('AWS::ApiGatewayV2::Route')) {
        if (route.Properties.AuthorizationType === 'AWS_IAM') continue;
        const provider = /^ANY \/webhooks\/([a-z0-9-]+)$/.exec(route.Properties.RouteKey as string)?.[1];
        expect(provider, `${id}: ${route.Properties.RouteKey} is public`).toBeDefined();
        const integration = render(route.Properties.Target).replace(/^integrations\/<(.+)>$/, '$1');
        expect(functionOf(integration), id).toMatchObject({
          POWERTOOLS_SERVICE_NAME: 'webhook-ingest',
          PROVIDER: provider,
        });
        webhooks.push(provider!);
      }
      expect(webhooks.sort()).toEqual(
        providers
          .filter((p) => p.webhook)
          .map((p) => p.name)
          .sort(),
      );
    });
  },
);
