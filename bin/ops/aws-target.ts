import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient, createDynamoClient } from '../../lambdas/adapters/dynamodb';
import { LambdaInvoker } from '../../lambdas/adapters/lambda-invoker';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store';
import { SqsAdmin } from '../../lambdas/adapters/sqs-admin';
import type { DeadLetter } from '../../lambdas/core/dead-letter-summary';
import type { QueueMessage } from '../../lambdas/core/ports';
import { dlqRole, type QueueRole } from '../../lambdas/core/resource-tags';
import { discoverStage, type StageResources } from './aws-resources';
import type { OpsTables, OpsTarget, QueueRef } from './target';

/** Every output of a deployed stack, by key (the smoke check reads the webhook URLs). */
export async function readOutputs(client: CloudFormationClient, stackName: string): Promise<Record<string, string>> {
  const res = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  return Object.fromEntries((res.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

/** Where the SDK clients go: the usual AWS variables or profile, or an endpoint (moto, LocalStack) for tests. */
export interface AwsConnection {
  endpoint?: string;
  region?: string;
}

export interface AwsOpsTargetOptions {
  resources: StageResources;
  sqs: SQSClient;
  s3: S3Client;
  lambda: LambdaClient;
  tables: OpsTables;
  /** Between move-task status polls (injected by tests). */
  sleep?(ms: number): Promise<void>;
  pollMs?: number;
}

const workQueue = (ref: QueueRef): QueueRole => {
  if (ref.kind === 'scheduler' || ref.kind === 'recovery')
    throw new Error(`the ${ref.kind} DLQ has no queue to move back to: redrive runs the missed runs again`);
  return ref.kind;
};

/**
 * A deployed stage, its resources found by tags (aws-resources.ts): DLQ listing by receive-and-release, a whole
 * redrive by SQS StartMessageMoveTask, a selective one (commands, in order) by receive-send-delete, missed polls
 * by invoking the poller, replay by SendMessageBatch, the archive on S3, the tables through DynamoDB.
 *
 * @example
 * const target = await AwsOpsTarget.connect('prod');
 * await target.redrive({ provider: 'github', kind: 'webhooks' }, { wait: true });
 */
export class AwsOpsTarget implements OpsTarget {
  readonly where: string;
  readonly blobs: S3BlobStore;
  private readonly admin: SqsAdmin;

  constructor(private readonly opts: AwsOpsTargetOptions) {
    this.where = `AWS stage ${opts.resources.stage}`;
    this.admin = new SqsAdmin(opts.sqs);
    this.blobs = new S3BlobStore(opts.s3, opts.resources.bucket);
  }

  /** Credentials and region from the usual AWS variables or profile; `endpoint` for every client when given. */
  static async connect(stage: string, conn: AwsConnection = {}): Promise<AwsOpsTarget> {
    const config = { endpoint: conn.endpoint, region: conn.region };
    const sqs = new SQSClient(config);
    const resources = await discoverStage({ tagging: new ResourceGroupsTaggingAPIClient(config), sqs }, stage);
    const doc = createDocumentClient(createDynamoClient(config));
    return new AwsOpsTarget({
      resources,
      sqs,
      s3: new S3Client({ ...config, forcePathStyle: conn.endpoint !== undefined }),
      lambda: new LambdaClient({ ...config, maxAttempts: 5 }),
      tables: { doc, name: (t) => resources.table(t) },
    });
  }

  private dlqUrl(ref: QueueRef): Promise<string> {
    return this.opts.resources.queueUrl(ref.provider, dlqRole(ref.kind));
  }

  async listDlq(ref: QueueRef, limit: number): Promise<{ messages: DeadLetter[]; total: number }> {
    const url = await this.dlqUrl(ref);
    const total = await this.admin.depth(url);
    return { messages: await this.admin.peek(url, limit), total };
  }

  async redrive(ref: QueueRef, opts: { wait: boolean }): Promise<{ moved: number; status: string; handle?: string }> {
    const dlqUrl = await this.dlqUrl(ref);
    const queueUrl = await this.opts.resources.queueUrl(ref.provider, workQueue(ref));
    const [source, destination] = await Promise.all([this.admin.queueArn(dlqUrl), this.admin.queueArn(queueUrl)]);
    const waiting = await this.admin.depth(dlqUrl);
    if (waiting === 0) return { moved: 0, status: 'NOTHING_TO_MOVE' };
    const { handle } = await this.admin.startMove(source, destination);
    if (!opts.wait) return { moved: waiting, status: 'RUNNING', handle };
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (;;) {
      const task = await this.admin.moveStatus(source);
      if (task && task.status !== 'RUNNING') {
        if (task.status === 'FAILED')
          throw new Error(
            `move task failed after ${task.moved} message(s): ${task.failureReason ?? 'no reason given'}`,
          );
        return { moved: task.moved, status: task.status, handle };
      }
      await sleep(this.opts.pollMs ?? 2000);
    }
  }

  async moveMessages(ref: QueueRef, messageIds: readonly string[]): Promise<number> {
    const queueUrl = await this.opts.resources.queueUrl(ref.provider, workQueue(ref));
    return this.admin.take(await this.dlqUrl(ref), messageIds, async (messages) => {
      for (let i = 0; i < messages.length; i += 10) await this.admin.sendBatch(queueUrl, messages.slice(i, i + 10));
    });
  }

  async deleteMessages(ref: QueueRef, messageIds: readonly string[]): Promise<number> {
    return this.admin.take(await this.dlqUrl(ref), messageIds, async () => undefined);
  }

  async runPoll(provider: string, poll: string): Promise<void> {
    const res = await new LambdaInvoker(this.opts.lambda).invoke(this.opts.resources.poller(provider), {
      provider,
      poll,
    });
    if (!res.ok) throw new Error(`${provider} ${poll}: ${res.error.type}: ${res.error.message}`);
  }

  async runRecovery(provider: string, recovery: string): Promise<void> {
    const res = await new LambdaInvoker(this.opts.lambda).invoke(this.opts.resources.recovery(provider), {
      provider,
      recovery,
    });
    if (!res.ok) throw new Error(`${provider} ${recovery}: ${res.error.type}: ${res.error.message}`);
  }

  async enqueue(provider: string, messages: QueueMessage[]): Promise<void> {
    await this.admin.sendBatch(await this.opts.resources.queueUrl(provider, 'webhooks'), messages);
  }

  tables(): OpsTables {
    return this.opts.tables;
  }
}
