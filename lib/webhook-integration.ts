import { Duration, Validations } from 'aws-cdk-lib';
import { HttpMethod, type HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ProviderDefinition } from '../lambdas/core/provider';
import { ENV } from '../lambdas/core/env-contract';
import { grantSecretReads } from './auth-secrets';
import { HandlerFunction } from './lambda-function';
import { workQueue } from './work-queue';
import { grantItemAccess } from './table-grants';
import type { BlobBucket } from './blob-bucket';

import type { Observability } from './observability/observability';

export interface WebhookIntegrationProps {
  provider: ProviderDefinition;
  api: HttpApi;
  secrets: Record<string, ISecret>;
  secretPrefix: string;
  namespace: string;
  idempotencyTable: ITable;
  recordsTable: ITable;
  /** Claim-checked payloads and the event archive; without it big bodies get 413 and nothing is archived. */
  blobs?: BlobBucket;
  /** Defaults: 30 s timeout, batches of 10, at most 5 concurrent batches, 5 receives before the DLQ. */
  processor?: { timeout?: Duration; batchSize?: number; maxConcurrency?: number; maxReceiveCount?: number };
  /** Alarms and dashboard section for this provider's webhook path. */
  observability?: Observability;
}

/**
 * One provider's webhook path: route -> ingest λ -> queue (+DLQ) -> processor λ -> records.
 * Each function can touch only this provider's queue and secret.
 */
export class WebhookIntegration extends Construct {
  readonly queue: Queue;
  readonly dlq: Queue;
  readonly ingest: HandlerFunction;
  readonly processor: HandlerFunction;
  readonly path: string;

  constructor(scope: Construct, id: string, props: WebhookIntegrationProps) {
    super(scope, id);
    const { provider } = props;
    const webhook = provider.webhook;
    if (!webhook) throw new Error(`${provider.name} has no webhook`);
    const timeout = props.processor?.timeout ?? Duration.seconds(30);
    const maxReceiveCount = props.processor?.maxReceiveCount ?? 5;

    ({ queue: this.queue, dlq: this.dlq } = workQueue(this, timeout, maxReceiveCount));

    const common = {
      [ENV.provider]: provider.name,
      [ENV.namespace]: props.namespace,
      ...(props.blobs ? { [ENV.blobBucket]: props.blobs.bucket.bucketName } : {}),
    };
    this.ingest = new HandlerFunction(this, 'Ingest', {
      handler: 'webhook-ingest',
      timeout: Duration.seconds(10),
      environment: { ...common, [ENV.queueUrl]: this.queue.queueUrl, [ENV.secretPrefix]: props.secretPrefix },
    });
    this.queue.grantSendMessages(this.ingest);
    // The signing secret, and the signed callback URL where the provider signs one (Trello).
    grantSecretReads(
      this.ingest,
      provider,
      props.secrets,
      [webhook.secret, webhook.callbackUrlSecret].filter((n) => n !== undefined),
    );

    this.processor = new HandlerFunction(this, 'Processor', {
      handler: 'event-processor',
      timeout,
      environment: {
        ...common,
        [ENV.dlqUrl]: this.dlq.queueUrl,
        [ENV.idempotencyTable]: props.idempotencyTable.tableName,
        [ENV.recordsTable]: props.recordsTable.tableName,
        [ENV.maxReceiveCount]: String(maxReceiveCount),
      },
    });
    this.processor.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.processor?.batchSize ?? 10,
        maxBatchingWindow: Duration.seconds(1),
        maxConcurrency: props.processor?.maxConcurrency ?? 5,
        reportBatchItemFailures: true,
      }),
    );
    this.dlq.grantSendMessages(this.processor);
    grantItemAccess(props.idempotencyTable, this.processor);
    grantItemAccess(props.recordsTable, this.processor);
    if (props.blobs) {
      props.blobs.grantPutPayloads(this.ingest, provider.name);
      props.blobs.grantGetPayloads(this.processor, provider.name);
      props.blobs.grantPutArchive(this.processor, provider.name);
    }

    this.path = `/webhooks/${provider.name}`;
    // ANY, so the handler answers 405 for wrong methods and HEAD where a provider probes the URL.
    const [route] = props.api.addRoutes({
      path: this.path,
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration(`${id}Integration`, this.ingest),
    });
    Validations.of(route!).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Webhook routes are public by nature (providers cannot sign AWS requests); the ingest function authenticates every request by its provider signature over the raw body (constant-time HMAC, timestamp tolerance) and answers 401 before anything is queued.',
    });

    props.observability
      ?.provider(provider.name, provider.displayName)
      .webhook({ queue: this.queue, dlq: this.dlq })
      .lambda('ingest', this.ingest)
      .lambda('processor', this.processor);
  }
}
