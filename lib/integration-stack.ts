import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DEFAULT_NAMESPACE } from '../lambdas/core/env-contract';
import { TABLES, type TableSpec } from '../lambdas/core/tables';
import type { ProviderDefinition } from '../lambdas/providers/types';
import { DLQ_RETENTION_DAYS, QUEUE_RETENTION_DAYS, WebhookIntegration, type WebhookIntegrationProps } from './webhook-integration';
import { BlobBucket } from './blob-bucket';
import type { AlarmSettings } from '../lambdas/core/alarm-rules';
import { Observability, type OnCallProps } from './observability/observability';
import { CommandIntegration, type CommandIntegrationProps } from './command-integration';

export interface IntegrationStackProps extends StackProps {
  providers: readonly ProviderDefinition[];
  /** Secrets Manager names are `<secretPrefix>/<provider>/<name>`. */
  secretPrefix?: string;
  namespace?: string;
  /** API Gateway stage throttling; defaults 100 requests/s, burst 200. */
  throttle?: { rateLimit: number; burstLimit: number };
  processor?: WebhookIntegrationProps['processor'];
  writer?: CommandIntegrationProps['writer'];
  /** Removal policy of tables and secrets; RETAIN unless a stage says otherwise. */
  removalPolicy?: RemovalPolicy;
  /** Days archived webhooks are kept for `npm run ops -- replay` (default 7). */
  archiveRetentionDays?: number;
  /** Alarm threshold overrides per rule; defaults in lambdas/core/alarm-rules.ts. */
  alarms?: AlarmSettings;
  /** On-call subscriptions; default from context `oncallEmails` / `oncallUrls`. */
  oncall?: OnCallProps;
  /** Prepended to `docs/runbooks/<alarm>.md` in alarm descriptions (e.g. your repository's URL). */
  runbookBaseUrl?: string;
}

/**
 * The whole integration stack: an HTTP API, shared tables, one secret per provider secret name,
 * and one WebhookIntegration per provider that receives webhooks.
 */
export class IntegrationStack extends Stack {
  readonly api: HttpApi;
  readonly tables: Record<keyof typeof TABLES, Table>;
  readonly secrets: Record<string, Record<string, ISecret>> = {};
  readonly webhooks: Record<string, WebhookIntegration> = {};
  readonly blobs: BlobBucket;
  readonly observability: Observability;
  /** Outbound writes per provider with `writes`: its command queue and DLQ (`commands[p].dlq` for alarms), writer and route. */
  readonly commands: Record<string, CommandIntegration> = {};

  constructor(scope: Construct, id: string, props: IntegrationStackProps) {
    super(scope, id, props);
    const secretPrefix = props.secretPrefix ?? 'integration';
    const namespace = props.namespace ?? DEFAULT_NAMESPACE;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const table = (logicalId: string, spec: TableSpec): Table => {
      const t = new Table(this, logicalId, {
        partitionKey: { name: spec.partitionKey, type: AttributeType.STRING },
        sortKey: spec.sortKey ? { name: spec.sortKey, type: AttributeType.STRING } : undefined,
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.AWS_MANAGED,
        timeToLiveAttribute: spec.ttlAttribute,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: spec.pointInTimeRecovery },
        removalPolicy,
      });
      for (const index of spec.indexes ?? []) {
        t.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
          sortKey: index.sortKey ? { name: index.sortKey, type: AttributeType.STRING } : undefined,
        });
      }
      return t;
    };
    this.tables = {
      idempotency: table('IdempotencyTable', TABLES.idempotency),
      records: table('RecordsTable', TABLES.records),
      externalIds: table('ExternalIdsTable', TABLES.externalIds),
      commands: table('CommandsTable', TABLES.commands),
    };

    for (const provider of props.providers) {
      const perProvider: Record<string, ISecret> = {};
      for (const name of provider.secrets) {
        perProvider[name] = new Secret(this, `Secret-${provider.name}-${name}`, {
          secretName: `${secretPrefix}/${provider.name}/${name}`,
          description: `${provider.displayName} ${name}: set its value after deploy (README, "Secrets")`,
          removalPolicy,
        });
      }
      this.secrets[provider.name] = perProvider;
    }

    this.observability = new Observability(this, 'Observability', {
      namespace,
      alarms: props.alarms,
      oncall: props.oncall,
      runbookBaseUrl: props.runbookBaseUrl,
      removalPolicy,
    });
    // Outbound-call alarms for every provider; missing data never breaches, so idle providers stay OK.
    for (const provider of props.providers) this.observability.provider(provider.name, provider.displayName).client();

    this.api = new HttpApi(this, 'Api', { createDefaultStage: false, description: 'Webhook receiver for third-party providers' });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.jsonWithStandardFields({
          caller: false, httpMethod: true, ip: true, protocol: true, requestTime: true,
          resourcePath: true, responseLength: true, status: true, user: false,
        }),
      },
    });

    this.blobs = new BlobBucket(this, 'Blobs', {
      archiveRetentionDays: props.archiveRetentionDays,
      // The processor re-sends to the DLQ itself, so a message can live out both retentions.
      maxMessageLifetimeDays: QUEUE_RETENTION_DAYS + DLQ_RETENTION_DAYS,
      removalPolicy,
    });
    // `npm run ops -- ... --aws` finds the bucket and queues through these outputs.
    new CfnOutput(this, 'BlobBucketName', { value: this.blobs.bucket.bucketName, description: 'Claim-checked payloads and the event archive' });

    this.observability.httpApi(this.api);
    for (const provider of props.providers) {
      if (!provider.webhook) continue;
      const integration = new WebhookIntegration(this, `Webhook-${provider.name}`, {
        provider,
        api: this.api,
        secrets: this.secrets[provider.name] ?? {},
        secretPrefix,
        namespace,
        idempotencyTable: this.tables.idempotency,
        recordsTable: this.tables.records,
        blobs: this.blobs,
        processor: props.processor,
        observability: this.observability,
      });
      new CfnOutput(this, `QueueUrl-${provider.name}`, { value: integration.queue.queueUrl });
      new CfnOutput(this, `DlqUrl-${provider.name}`, { value: integration.dlq.queueUrl });
      this.webhooks[provider.name] = integration;
      new CfnOutput(this, `WebhookUrl-${provider.name}`, {
        description: `Paste into ${provider.displayName}'s webhook settings`,
        value: `${this.api.apiEndpoint}${integration.path}`,
      });
    }

    for (const provider of props.providers) {
      if (!provider.writes) continue;
      const writes = new CommandIntegration(this, `Commands-${provider.name}`, {
        provider,
        api: this.api,
        secrets: this.secrets[provider.name] ?? {},
        secretPrefix,
        namespace,
        idempotencyTable: this.tables.idempotency,
        externalIdsTable: this.tables.externalIds,
        commandsTable: this.tables.commands,
        writer: props.writer,
      });
      this.commands[provider.name] = writes;
      this.observability.provider(provider.name, provider.displayName).writes().queue('command-dlq-not-empty', writes.dlq).lambda('writer', writes.writer).lambda('command-accept', writes.accept);
      new CfnOutput(this, `CommandUrl-${provider.name}`, { description: `POST ${provider.displayName} write commands here (IAM, SigV4)`, value: `${this.api.apiEndpoint}${writes.path}` });
    }
  }
}