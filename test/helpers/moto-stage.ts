import { DescribeTableCommand, DynamoDBClient, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { POLLER_ROLE, RECOVERY_ROLE, RESOURCE_TAG } from '../../lambdas/core/resource-tags';
import { TABLES, type TableName } from '../../lambdas/core/tables';
import { SERVICE } from '../../lib/stages';
import { createTable } from '../../local/dynamo';

export const MOTO_REGION = 'us-east-1';
export const MOTO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A stage's resources in moto, tagged as the CDK stack tags them (lib/ops-tags.ts). */
export interface MotoStage {
  stage: string;
  sqs: SQSClient;
  dynamo: DynamoDBClient;
  s3: S3Client;
  bucket: string;
  /**
   * Queue URLs by `<provider>` (work queue), `<provider>-dlq`, `<provider>-scheduler-dlq` and
   * `<provider>-recovery-dlq`; commands under `<provider>-commands`.
   */
  urls: Record<string, string>;
  tables: Record<TableName, string>;
  /** Poller function names by provider (functions that exist to be found; moto cannot run them). */
  pollers: Record<string, string>;
  /** Recovery function names by provider, likewise. */
  recoveries: Record<string, string>;
}

const tagsOf = (stage: string, role: string, provider?: string): Record<string, string> => ({
  stage,
  service: SERVICE,
  [RESOURCE_TAG.resource]: role,
  ...(provider ? { [RESOURCE_TAG.provider]: provider } : {}),
});

async function queue(s: MotoStage, key: string, role: string, provider: string, dlqOf?: string): Promise<void> {
  const dlqArn = dlqOf
    ? (await s.sqs.send(new GetQueueAttributesCommand({ QueueUrl: s.urls[dlqOf], AttributeNames: ['QueueArn'] })))
        .Attributes!.QueueArn!
    : undefined;
  const { QueueUrl } = await s.sqs.send(
    new CreateQueueCommand({
      QueueName: `${s.stage}-${key}`,
      tags: tagsOf(s.stage, role, provider),
      Attributes: dlqArn ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }) } : {},
    }),
  );
  s.urls[key] = QueueUrl!;
}

async function table(s: MotoStage, name: TableName): Promise<void> {
  const physical = `${s.stage}-${TABLES[name].name}`;
  await createTable(s.dynamo, { ...TABLES[name], name: physical });
  const { Table } = await s.dynamo.send(new DescribeTableCommand({ TableName: physical }));
  const tags = Object.entries(tagsOf(s.stage, `table:${name}`)).map(([Key, Value]) => ({ Key, Value }));
  await s.dynamo.send(new TagResourceCommand({ ResourceArn: Table!.TableArn, Tags: tags }));
  s.tables[name] = physical;
}

/** An empty zip archive: moto stores a function's code without running it. */
const EMPTY_ZIP = Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);

/**
 * The role a function names, which moto checks exists. No IAM client is installed for tests, so this is IAM's
 * Query API by hand; moto reads the service from the credential scope and checks no signature.
 */
async function lambdaRole(url: string, stage: string): Promise<string> {
  const RoleName = `${stage}-pollers`;
  const trust = {
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=test/20240101/${MOTO_REGION}/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({
      Action: 'CreateRole',
      Version: '2010-05-08',
      RoleName,
      AssumeRolePolicyDocument: JSON.stringify(trust),
    }),
  });
  const text = await res.text();
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
  if (!res.ok || !arn) throw new Error(`moto CreateRole: ${res.status} ${text.slice(0, 300)}`);
  return arn;
}

/** A provider's poller or recovery function, tagged as the stack tags it. */
async function scheduled(
  s: MotoStage,
  lambda: LambdaClient,
  role: string,
  provider: string,
  kind: typeof POLLER_ROLE | typeof RECOVERY_ROLE,
): Promise<string> {
  const FunctionName = `${s.stage}-${provider}-${kind}`;
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName,
      Role: role,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Code: { ZipFile: EMPTY_ZIP },
      Tags: tagsOf(s.stage, kind, provider),
    }),
  );
  return FunctionName;
}

/**
 * Creates a stage in moto as the stack would tag it: per provider its webhook queue and DLQ, command queue and DLQ,
 * scheduler DLQ and poller function, recovery DLQ and function (as its definition has webhooks, writes, polls,
 * recoveries); every table; the blob bucket. Give each test file
 * its own stage name: discovery filters on it.
 *
 * @example
 * const s = await seedMotoStage(moto.url, 'motoops1', providers);
 */
export async function seedMotoStage(
  url: string,
  stage: string,
  providers: readonly ProviderDefinition[],
): Promise<MotoStage> {
  const config = { endpoint: url, region: MOTO_REGION, credentials: MOTO_CREDENTIALS };
  const s: MotoStage = {
    stage,
    sqs: new SQSClient(config),
    dynamo: new DynamoDBClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    bucket: `blobs-${stage}`.toLowerCase(),
    urls: {},
    tables: {} as Record<TableName, string>,
    pollers: {},
    recoveries: {},
  };
  const lambda = new LambdaClient(config);
  const role = providers.some((p) => p.polls?.length || p.recover?.length) ? await lambdaRole(url, stage) : '';
  await s.s3.send(new CreateBucketCommand({ Bucket: s.bucket }));
  const tagSet = Object.entries(tagsOf(stage, 'blobs')).map(([Key, Value]) => ({ Key, Value }));
  await s.s3.send(new PutBucketTaggingCommand({ Bucket: s.bucket, Tagging: { TagSet: tagSet } }));
  for (const p of providers) {
    if (p.webhook) {
      await queue(s, `${p.name}-dlq`, 'webhooks-dlq', p.name);
      await queue(s, p.name, 'webhooks', p.name, `${p.name}-dlq`);
    }
    if (p.writes) {
      await queue(s, `${p.name}-commands-dlq`, 'commands-dlq', p.name);
      await queue(s, `${p.name}-commands`, 'commands', p.name, `${p.name}-commands-dlq`);
    }
    if (p.polls?.length) {
      await queue(s, `${p.name}-scheduler-dlq`, 'scheduler-dlq', p.name);
      s.pollers[p.name] = await scheduled(s, lambda, role, p.name, POLLER_ROLE);
    }
    if (p.recover?.length) {
      await queue(s, `${p.name}-recovery-dlq`, 'recovery-dlq', p.name);
      s.recoveries[p.name] = await scheduled(s, lambda, role, p.name, RECOVERY_ROLE);
    }
  }
  for (const name of Object.keys(TABLES) as TableName[]) await table(s, name);
  return s;
}
