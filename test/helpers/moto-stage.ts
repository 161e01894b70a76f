import { DescribeTableCommand, DynamoDBClient, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { RESOURCE_TAG } from '../../lambdas/core/resource-tags';
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
  /** Queue URLs by `<provider>` (work queue), `<provider>-dlq` and `<provider>-scheduler-dlq`; commands under `<provider>-commands`. */
  urls: Record<string, string>;
  tables: Record<TableName, string>;
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

/**
 * Creates a stage in moto as the stack would tag it: per provider its webhook queue and DLQ, command queue and DLQ,
 * scheduler DLQ (as its definition has webhooks, writes, polls); every table; the blob bucket. Give each test file
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
  };
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
    if (p.polls?.length) await queue(s, `${p.name}-scheduler-dlq`, 'scheduler-dlq', p.name);
  }
  for (const name of Object.keys(TABLES) as TableName[]) await table(s, name);
  return s;
}
