import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEFAULT_NAMESPACE } from '../lambdas/core/env-contract';
import { TABLES, type TableSpec } from '../lambdas/core/tables';
import type { ProviderDefinition } from '../lambdas/providers/types';
import { PollIntegration } from './poll-integration';
import { WebhookIntegration, type WebhookIntegrationProps } from './webhook-integration';

export interface IntegrationStackProps extends StackProps {
  providers: readonly ProviderDefinition[];
  /** Secrets Manager names are `<secretPrefix>/<provider>/<name>`. */
  secretPrefix?: string;
  namespace?: string;
  /** API Gateway stage throttling; defaults 100 requests/s, burst 200. */
  throttle?: { rateLimit: number; burstLimit: number };
  processor?: WebhookIntegrationProps['processor'];
  /** Removal policy of tables and secrets; RETAIN unless a stage says otherwise. */
  removalPolicy?: RemovalPolicy;
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
  readonly polls: Record<string, PollIntegration> = {};
  /** Failed schedule deliveries and failed poller runs (alarm on its depth); absent when no provider polls. */
  readonly schedulerDlq?: Queue;

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
      return t;
    };
    this.tables = {
      idempotency: table('IdempotencyTable', TABLES.idempotency),
      records: table('RecordsTable', TABLES.records),
      checkpoints: table('CheckpointsTable', TABLES.checkpoints),
      gaps: table('GapsTable', TABLES.gaps),
      quarantine: table('QuarantineTable', TABLES.quarantine),
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
        processor: props.processor,
      });
      this.webhooks[provider.name] = integration;
      new CfnOutput(this, `WebhookUrl-${provider.name}`, {
        description: `Paste into ${provider.displayName}'s webhook settings`,
        value: `${this.api.apiEndpoint}${integration.path}`,
      });
    }

    const polling = props.providers.filter((p) => (p.polls?.length ?? 0) > 0);
    if (polling.length > 0) {
      this.schedulerDlq = new Queue(this, 'SchedulerDlq', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    }
    for (const provider of polling) {
      const integration = new PollIntegration(this, `Poll-${provider.name}`, {
        provider,
        secrets: this.secrets[provider.name] ?? {},
        secretPrefix,
        namespace,
        tables: this.tables,
        dlq: this.schedulerDlq!,
      });
      this.polls[provider.name] = integration;
      new CfnOutput(this, `PollerFunction-${provider.name}`, {
        description: `npm run sync -- --provider ${provider.name} --aws --function <this>`,
        value: integration.poller.functionName,
      });
    }
  }
}
