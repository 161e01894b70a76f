import { Duration, Validations } from 'aws-cdk-lib';
import { HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/core/env-contract';
import { acknowledgeTrigger } from './acknowledgements';
import { grantSecretReads } from './auth-secrets';
import { addRoutes, setRouteSettings } from './http-api';
import { HandlerFunction } from './lambda-function';
import { webhookRouteKey } from '../lambdas/core/alarm-rules';
import { tagForOps } from './ops-tags';
import { QueueFunction, type QueueConsumerSettings } from './queue-function';
import type { ProviderDefinition, ProviderIntegrationProps } from './shared-parts';
import { StageSettings } from './stage-settings';
import { WebhookSourceIps } from './webhook-source-ips';
import { type WorkQueue, workQueue } from './work-queue';

export interface WebhookIntegrationProps extends ProviderIntegrationProps {
  /**
   * Defaults: 30 s timeout, batches of up to 50 gathered for at most 40 s (WEBHOOK_BATCH), at most 5 concurrent
   * batches, 5 receives before the DLQ.
   */
  processor?: QueueConsumerSettings;
}

/**
 * The processor's batches: the event source mapping invokes when a batch is full, or when the window has passed
 * since it began gathering. Busy traffic fills batches at once (10 webhooks a second fill 50 in 5 s); quiet
 * traffic waits at most the window, so the archive's PUT and the invocation are shared by more events. The window
 * stays well under the event-lag alarm's 60 s p95 (lambdas/core/alarm-rules.ts). Costs: docs/benchmarks.md#cost.
 */
export const WEBHOOK_BATCH = { size: 50, windowSeconds: 40 } as const;

/**
 * One provider's webhook path: route -> ingest λ -> queue (+DLQ) -> processor λ -> records, with its alarms and
 * dashboard section. Each function can touch only this provider's queue, secret and blob prefixes.
 *
 * @example
 * new WebhookIntegration(stack, 'Webhook-github', { provider: github, secrets, shared });
 */
export class WebhookIntegration extends Construct {
  readonly queue: Queue;
  readonly dlq: Queue;
  readonly ingest: HandlerFunction;
  readonly processor: QueueFunction;
  readonly path: string;
  /** The provider's source-IP allow list, where the stage switches it on. */
  sourceIps?: WebhookSourceIps;

  constructor(scope: Construct, id: string, props: WebhookIntegrationProps) {
    super(scope, id);
    const { provider, shared } = props;
    if (!provider.webhook) throw new Error(`${provider.name} has no webhook`);
    const settings = props.processor ?? {};
    const batchWindow = settings.batchWindow ?? Duration.seconds(WEBHOOK_BATCH.windowSeconds);
    const work = workQueue(this, settings.timeout ?? Duration.seconds(30), settings.maxReceiveCount ?? 5, batchWindow);
    ({ queue: this.queue, dlq: this.dlq } = work);
    tagForOps(work.queue, 'webhooks', provider.name);
    tagForOps(work.dlq, 'webhooks-dlq', provider.name);
    const common = {
      [ENV.provider]: provider.name,
      [ENV.namespace]: shared.namespace,
      [ENV.blobBucket]: shared.blobs.bucket.bucketName,
    };
    this.ingest = this.ingestFunction(props, provider.webhook, work, common);
    this.path = `/webhooks/${provider.name}`;
    const monitoring = shared.observability
      .provider(provider.name, provider.displayName)
      .webhook({ queue: work.queue, dlq: work.dlq, route: webhookRouteKey(this.path) })
      .lambda('ingest', this.ingest);
    this.processor = new QueueFunction(this, 'Processor', {
      handler: 'event-processor',
      work,
      environment: {
        ...common,
        [ENV.recordsTable]: shared.tables.records.tableName,
      },
      eventSource: {
        batchSize: settings.batchSize ?? WEBHOOK_BATCH.size,
        maxConcurrency: settings.maxConcurrency ?? 5,
      },
      itemTables: [
        // Upsert-if-newer (each event applied once by its condition): a conditional put, and a read when the condition fails. Never an update or a delete.
        { table: shared.tables.records, actions: ['dynamodb:PutItem', 'dynamodb:GetItem'] },
      ],
      monitoring: { provider: monitoring, role: 'processor' },
    });
    shared.blobs.grantGetPayloads(this.processor, provider.name);
    shared.blobs.grantPutArchive(this.processor, provider.name);
    const route = this.addRoute(props, id);
    this.applyStageOptions(props, route);
  }

  /** The stage's options for this provider's route (lib/stages.ts `webhooks`): its own throttling, an allow list. */
  private applyStageOptions({ provider, secrets, shared }: ProviderIntegrationProps, route: HttpRoute): void {
    const options = StageSettings.of(this)?.config.webhooks[provider.name];
    if (options?.throttle) setRouteSettings(shared.api, route, `ANY ${this.path}`, { throttle: options.throttle });
    if (options?.sourceIps)
      this.sourceIps = new WebhookSourceIps(this, 'SourceIps', {
        provider,
        secrets,
        shared,
        ingest: this.ingest,
        mode: options.sourceIps,
      });
  }

  /** Verifies, answers fast and queues: sends to this queue, reads the signing secrets, claim-checks big bodies. */
  private ingestFunction(
    { provider, secrets, shared }: ProviderIntegrationProps,
    webhook: NonNullable<ProviderDefinition['webhook']>,
    work: WorkQueue,
    common: Record<string, string>,
  ): HandlerFunction {
    const ingest = new HandlerFunction(this, 'Ingest', {
      handler: 'webhook-ingest',
      timeout: Duration.seconds(10),
      logLevel: StageSettings.of(this)?.config.ingestLogLevel,
      environment: { ...common, [ENV.queueUrl]: work.queue.queueUrl, [ENV.secretPrefix]: shared.secretPrefix },
    });
    acknowledgeTrigger(ingest, 'api');
    work.queue.grantSendMessages(ingest);
    // The signing secret, and the signed callback URL where the provider signs one (Trello).
    const names = [webhook.secret, webhook.callbackUrlSecret].filter((n) => n !== undefined);
    grantSecretReads(ingest, provider, secrets, names);
    shared.blobs.grantPutPayloads(ingest, provider.name);
    return ingest;
  }

  private addRoute({ shared }: ProviderIntegrationProps, id: string): HttpRoute {
    // ANY, so the handler answers 405 for wrong methods and HEAD where a provider probes the URL.
    const [route] = addRoutes(shared.api, this, {
      path: this.path,
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration(`${id}Integration`, this.ingest),
    });
    Validations.of(route!).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Webhook routes are public by nature (providers cannot sign AWS requests); the ingest function authenticates every request by its provider signature over the raw body (constant-time HMAC, timestamp tolerance) and answers 401 before anything is queued.',
    });
    return route!;
  }
}
