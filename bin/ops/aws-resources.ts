import { GetResourcesCommand, type ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  BLOBS_ROLE,
  POLLER_ROLE,
  RECOVERY_ROLE,
  RESOURCE_TAG,
  type QueueRole,
  tableRole,
} from '../../lambdas/core/resource-tags';
import type { TableName } from '../../lambdas/core/tables';
import { SERVICE } from '../../lib/stages';

/** One tagged resource of the stage: its ARN and the tags that say what it is. */
interface Tagged {
  arn: string;
  role: string;
  provider?: string;
}

/** A deployed stage's resources the ops CLI works on, found by their tags (lambdas/core/resource-tags.ts). */
export interface StageResources {
  readonly stage: string;
  /** A queue's URL; throws naming the stage, provider and queue when none is tagged so. */
  queueUrl(provider: string, role: QueueRole): Promise<string>;
  /** A table's physical name. */
  table(name: TableName): string;
  /** The blob bucket's name (claim checks and the archive). */
  readonly bucket: string;
  /** The provider's poller function name. */
  poller(provider: string): string;
  /** The provider's missed-webhook recovery function name. */
  recovery(provider: string): string;
}

const RESOURCE_TYPES = ['sqs:queue', 'dynamodb:table', 's3:bucket', 'lambda:function'];

/** The last part of an ARN's resource: `table/name`, `function:name`, `:::bucket` and `:queue` all end in the name. */
const nameOf = (arn: string): string => arn.split(/[:/]/).at(-1) ?? arn;

/** Every resource of the stage that carries an ops tag, in as many pages as GetResources gives. */
async function tagged(client: ResourceGroupsTaggingAPIClient, stage: string): Promise<Tagged[]> {
  const found: Tagged[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new GetResourcesCommand({
        TagFilters: [
          { Key: 'stage', Values: [stage] },
          { Key: 'service', Values: [SERVICE] },
          { Key: RESOURCE_TAG.resource },
        ],
        ResourceTypeFilters: RESOURCE_TYPES,
        PaginationToken: token || undefined,
      }),
    );
    for (const r of page.ResourceTagMappingList ?? []) {
      const tags = Object.fromEntries((r.Tags ?? []).map((t) => [t.Key, t.Value]));
      const role = tags[RESOURCE_TAG.resource];
      if (r.ResourceARN && role) found.push({ arn: r.ResourceARN, role, provider: tags[RESOURCE_TAG.provider] });
    }
    token = page.PaginationToken;
  } while (token);
  return found;
}

/**
 * Finds a deployed stage's queues, tables, bucket and pollers with one Resource Groups Tagging API walk (the tags
 * `stage`, `service` and `integration:resource`), whichever stacks hold them; queue URLs come from SQS GetQueueUrl
 * (so an endpoint override also applies to them). The operator needs `tag:GetResources` and `sqs:GetQueueUrl`.
 *
 * @example
 * const stage = await discoverStage({ tagging: new ResourceGroupsTaggingAPIClient({}), sqs: new SQSClient({}) }, 'prod');
 * await stage.queueUrl('github', 'webhooks-dlq');
 */
export async function discoverStage(
  clients: { tagging: ResourceGroupsTaggingAPIClient; sqs: SQSClient },
  stage: string,
): Promise<StageResources> {
  const all = await tagged(clients.tagging, stage);
  if (all.length === 0)
    throw new Error(`no resource is tagged stage=${stage} service=${SERVICE}: is stage ${stage} deployed here?`);
  const one = (role: string, provider: string | undefined, what: string): Tagged => {
    const hit = all.find((t) => t.role === role && t.provider === provider);
    if (!hit) throw new Error(`stage ${stage} has no ${what} tagged ${RESOURCE_TAG.resource}=${role}`);
    return hit;
  };
  const urls = new Map<string, Promise<string>>();
  const queueUrl = (provider: string, role: QueueRole): Promise<string> => {
    const { arn } = one(role, provider, `${provider} queue`);
    const [, , , , account] = arn.split(':');
    if (!urls.has(arn)) {
      const ask = new GetQueueUrlCommand({ QueueName: nameOf(arn), QueueOwnerAWSAccountId: account });
      urls.set(
        arn,
        clients.sqs.send(ask).then((r) => r.QueueUrl ?? ''),
      );
    }
    return urls.get(arn)!;
  };
  return {
    stage,
    queueUrl,
    table: (name) => nameOf(one(tableRole(name), undefined, `table ${name}`).arn),
    get bucket() {
      return nameOf(one(BLOBS_ROLE, undefined, 'blob bucket').arn);
    },
    poller: (provider) => nameOf(one(POLLER_ROLE, provider, `${provider} poller`).arn),
    recovery: (provider) => nameOf(one(RECOVERY_ROLE, provider, `${provider} recovery function`).arn),
  };
}
