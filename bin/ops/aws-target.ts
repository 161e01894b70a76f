import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store';
import { SqsAdmin } from '../../lambdas/adapters/sqs-admin';
import type { DeadLetter } from '../../lambdas/core/dead-letter-summary';
import type { QueueMessage } from '../../lambdas/core/ports';
import type { OpsTarget } from './target';

/** The deployed stack's outputs the ops CLI needs (see lib/integration-stack.ts). */
export interface StackOutputs {
  bucket: string;
  queueUrl(provider: string): string;
  dlqUrl(provider: string): string;
}

/** Every output of a deployed stack, by key. */
export async function readOutputs(client: CloudFormationClient, stackName: string): Promise<Record<string, string>> {
  const res = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  return Object.fromEntries((res.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

/** Reads `BlobBucketName`, `QueueUrl<provider>` and `DlqUrl<provider>` from CloudFormation. */
export async function stackOutputs(client: CloudFormationClient, stackName: string): Promise<StackOutputs> {
  const outputs = await readOutputs(client, stackName);
  const need = (key: string): string => {
    const v = outputs[key];
    if (!v) throw new Error(`stack ${stackName} has no output ${key}: is the provider deployed?`);
    return v;
  };
  // CDK drops non-alphanumerics from output ids: `QueueUrl-github` becomes `QueueUrlgithub`.
  const id = (p: string) => p.replace(/[^A-Za-z0-9]/g, '');
  return {
    bucket: need('BlobBucketName'),
    queueUrl: (p) => need(`QueueUrl${id(p)}`),
    dlqUrl: (p) => need(`DlqUrl${id(p)}`),
  };
}

export interface AwsOpsTargetOptions {
  stackName: string;
  outputs: StackOutputs;
  sqs: SQSClient;
  s3: S3Client;
  /** Between move-task status polls (injected by tests). */
  sleep?(ms: number): Promise<void>;
  pollMs?: number;
}

/**
 * A deployed stack: DLQ listing by receive-and-release, redrive by SQS StartMessageMoveTask,
 * replay by SendMessageBatch, the archive on S3.
 *
 * @example
 * const target = await AwsOpsTarget.connect('IntegrationStack');
 * await target.redrive('github', { wait: true });
 */
export class AwsOpsTarget implements OpsTarget {
  readonly where: string;
  readonly blobs: S3BlobStore;
  private readonly admin: SqsAdmin;

  constructor(private readonly opts: AwsOpsTargetOptions) {
    this.where = `AWS stack ${opts.stackName}`;
    this.admin = new SqsAdmin(opts.sqs);
    this.blobs = new S3BlobStore(opts.s3, opts.outputs.bucket);
  }

  /** Credentials and region from the usual AWS variables or profile. */
  static async connect(stackName: string): Promise<AwsOpsTarget> {
    const outputs = await stackOutputs(new CloudFormationClient({}), stackName);
    return new AwsOpsTarget({ stackName, outputs, sqs: new SQSClient({}), s3: new S3Client({}) });
  }

  async listDlq(provider: string, limit: number): Promise<{ messages: DeadLetter[]; total: number }> {
    const url = this.opts.outputs.dlqUrl(provider);
    const total = await this.admin.depth(url);
    return { messages: await this.admin.peek(url, limit), total };
  }

  async redrive(
    provider: string,
    opts: { wait: boolean },
  ): Promise<{ moved: number; status: string; handle?: string }> {
    const [source, destination] = await Promise.all([
      this.admin.queueArn(this.opts.outputs.dlqUrl(provider)),
      this.admin.queueArn(this.opts.outputs.queueUrl(provider)),
    ]);
    const waiting = await this.admin.depth(this.opts.outputs.dlqUrl(provider));
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

  async enqueue(provider: string, messages: QueueMessage[]): Promise<void> {
    await this.admin.sendBatch(this.opts.outputs.queueUrl(provider), messages);
  }
}
