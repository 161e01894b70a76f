import { beforeAll, describe, expect, it } from 'vitest';
import { providers } from '../../lambdas/providers';
import { stageConfig, STAGE_NAMES, type StageName } from '../../lib/stages';
import { list, ofType, render, synthStage, type StageSynth } from '../helpers/stage-stacks';

type Doc = {
  Statement: { Effect: string; Principal?: unknown; Condition?: Record<string, Record<string, unknown>> }[];
};

type KeyDoc = {
  Statement: {
    Effect: string;
    Principal?: unknown;
    Action?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
  }[];
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

    it("encrypts the stage's secrets with its own rotating key where the stage says (prod), which only the functions reading a secret may use, through Secrets Manager only", () => {
      const secrets = each('AWS::SecretsManager::Secret');
      const key = s().stack.secretsKey;
      expect(key !== undefined, 'a secrets key').toBe(config.secretsKmsKey);
      for (const [id, secret] of secrets)
        expect(secret.Properties.KmsKeyId && render(secret.Properties.KmsKeyId), id).toBe(
          key ? `<${s().idOf(key)}.Arn>` : undefined,
        );
      if (!key) return;
      const policy = s().resources[s().idOf(key)]!.Properties;
      expect(policy.EnableKeyRotation).toBe(true);
      // Roles named in the key policy: exactly those allowed to read some secret, and only to decrypt through Secrets Manager.
      const named = (policy.KeyPolicy as KeyDoc).Statement.filter((st) =>
        JSON.stringify(st.Principal).includes('Fn::GetAtt'),
      );
      expect(named).toHaveLength(1);
      expect(named[0]).toMatchObject({ Effect: 'Allow', Action: 'kms:Decrypt' });
      expect(render(named[0]!.Condition?.StringEquals?.['kms:ViaService'])).toBe(
        'secretsmanager.<AWS::Region>.amazonaws.com',
      );
      const roles = list((named[0]!.Principal as { AWS: unknown }).AWS).map((r) =>
        render(r).replace(/^<(.+)\.Arn>$/, '$1'),
      );
      const readers = ofType(s(), 'AWS::IAM::Policy')
        .filter(([, p]) =>
          (p.Properties.PolicyDocument as KeyDoc).Statement.some(
            (st) => st.Effect === 'Allow' && list(st.Action).includes('secretsmanager:GetSecretValue'),
          ),
        )
        .flatMap(([, p]) => list(p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref));
      expect(roles.sort()).toEqual([...new Set(readers)].sort());
    });

    it('logs access to the blob bucket and keeps its versions where the stage says (prod), in a log bucket that expires its logs', () => {
      const bucket = s().resources[s().idOf(s().stack.blobs.bucket)]!.Properties;
      const logs = s().stack.blobs.accessLogs;
      expect(logs !== undefined, 'an access-log bucket').toBe(config.blobAccessLogs);
      expect(bucket.VersioningConfiguration?.Status ?? 'off').toBe(config.blobVersioning ? 'Enabled' : 'off');
      const rules = bucket.LifecycleConfiguration.Rules as Record<string, unknown>[];
      if (config.blobVersioning)
        expect(rules).toContainEqual(
          expect.objectContaining({
            NoncurrentVersionExpiration: { NoncurrentDays: 7 },
            ExpiredObjectDeleteMarker: true,
          }),
        );
      if (!logs) return expect(bucket.LoggingConfiguration).toBeUndefined();
      const id = s().idOf(logs);
      expect(bucket.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: id }, LogFilePrefix: 'blobs/' });
      expect(s().resources[id]!.Properties.LifecycleConfiguration.Rules).toEqual([
        expect.objectContaining({ ExpirationInDays: config.logRetentionDays, Status: 'Enabled' }),
      ]);
      // Only the S3 logging service may write there, and only for this bucket of this account.
      const writers = policiesOf(s(), 'AWS::S3::BucketPolicy', 'Bucket', id)
        .flatMap((d) => d.Statement)
        .filter((st) => st.Effect === 'Allow');
      expect(writers).toEqual([
        expect.objectContaining({
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Condition: expect.objectContaining({ ArnLike: { 'aws:SourceArn': expect.anything() } }),
        }),
      ]);
    });

    it('backs every table up daily into a vault no one may delete from early, where the stage keeps backups (prod)', () => {
      const plans = ofType(s(), 'AWS::Backup::BackupPlan');
      if (!config.backupRetentionDays) return expect(plans).toEqual([]);
      expect(plans).toHaveLength(1);
      const [rule] = plans[0]![1].Properties.BackupPlan.BackupPlanRule as Record<string, any>[];
      expect(rule).toMatchObject({ Lifecycle: { DeleteAfterDays: config.backupRetentionDays } });
      const selections = ofType(s(), 'AWS::Backup::BackupSelection');
      expect(selections).toHaveLength(1);
      const selected = list(selections[0]![1].Properties.BackupSelection.Resources).map(render).sort();
      expect(selected).toEqual(
        each('AWS::DynamoDB::Table')
          .map(([id]) => `<${id}.Arn>`)
          .sort(),
      );
      const vaults = ofType(s(), 'AWS::Backup::BackupVault');
      expect(vaults).toHaveLength(1);
      expect(vaults[0]![1].Properties.AccessPolicy.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: expect.arrayContaining(['backup:DeleteRecoveryPoint']),
          Principal: { AWS: '*' },
        }),
      );
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
