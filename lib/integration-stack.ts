import { CfnOutput, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { HttpApi, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { TABLES, type TableSpec } from '../lambdas/core/tables';
import type { ProviderDefinition } from '../lambdas/providers/types';
import { requestOperations } from '../lambdas/providers/operations';
import { WebhookIntegration, type WebhookIntegrationProps } from './webhook-integration';
import { DLQ_RETENTION_DAYS, QUEUE_RETENTION_DAYS } from './work-queue';
import { BlobBucket } from './blob-bucket';
import { HTTP_API_ACCESS_LOG_FORMAT } from './api-access-log';
import type { AlarmSettings } from '../lambdas/core/alarm-rules';
import { Observability } from './observability/observability';
import { type OnCallProps, onCallSubscriptions, runbookBaseUrlOf } from './observability/on-call';
import { CommandIntegration, type CommandIntegrationProps } from './command-integration';
import { StageSettings } from './stage-settings';
import { stageConfig, type StageConfig } from './stages';
import { PollIntegration } from './poll-integration';
import { RecordsApi } from './records-api';
import { recordApiNotices } from './provider-calls';

/** Why provider secrets have no rotation schedule (cdk-nag SMG4). */
const THIRD_PARTY_SECRET =
  "Issued by the third party (API keys, OAuth client secrets, webhook signing secrets): no rotation Lambda can mint a new value. Rotated by hand at the provider (README, 'Secrets'): signing secrets accept several values during the switch, and functions read a new value within the cache TTL.";

export interface IntegrationStackProps extends StackProps {
  providers: readonly ProviderDefinition[];
  /**
   * Every stage-dependent setting (lib/stages.ts): secret names `<stage>/<provider>/<name>`, metrics namespace,
   * removal policies, log retention, throttling, archive retention, alarm overrides, on-call. Default: `dev`.
   * The props below override single settings of it.
   */
  stage?: StageConfig;
  namespace?: string;
  /** API Gateway stage throttling; default the stage's. */
  throttle?: { rateLimit: number; burstLimit: number };
  processor?: WebhookIntegrationProps['processor'];
  writer?: CommandIntegrationProps['writer'];
  /** Removal policy of tables, bucket, secrets and the topic key; default the stage's. */
  removalPolicy?: RemovalPolicy;
  /** Days archived webhooks are kept for `npm run ops -- replay`; default the stage's. */
  archiveRetentionDays?: number;
  /** Alarm threshold overrides per rule, on top of the stage's; defaults in lambdas/core/alarm-rules.ts. */
  alarms?: AlarmSettings;
  /** On-call subscriptions; default the stage's plus context `oncallEmails` / `oncallUrls`. */
  oncall?: OnCallProps;
  /** Prepended to `docs/runbooks/<alarm>.md` in alarm descriptions (e.g. your repository's URL); default context `runbookBaseUrl`. */
  runbookBaseUrl?: string;
}

/**
 * The whole integration stack of one stage: an HTTP API, shared tables, one secret per provider secret name,
 * and one WebhookIntegration per provider that receives webhooks.
 *
 * @example
 * new IntegrationStack(app, stackName('prod'), { providers, stage: stageConfig('prod') });
 */
export class IntegrationStack extends Stack {
  /** The stage's settings, for every construct added to the stack (also `StageSettings.of(construct)`). */
  readonly stage: StageSettings;
  readonly api: HttpApi;
  readonly tables: Record<keyof typeof TABLES, Table>;
  /** `GET /records/{provider}/{type}` (IAM): last known data with fetch times, whether providers are up or not. */
  readonly records: RecordsApi;
  readonly secrets: Record<string, Record<string, ISecret>> = {};
  readonly webhooks: Record<string, WebhookIntegration> = {};
  readonly blobs: BlobBucket;
  readonly observability: Observability;
  /** Outbound writes per provider with `writes`: its command queue and DLQ (`commands[p].dlq` for alarms), writer and route. */
  readonly commands: Record<string, CommandIntegration> = {};
  readonly polls: Record<string, PollIntegration> = {};

  constructor(scope: Construct, id: string, props: IntegrationStackProps) {
    super(scope, id, props);
    // Attached first: constructs below read it through StageSettings.of(this).
    this.stage = new StageSettings(props.stage ?? stageConfig()).attach(this);
    const stage = this.stage;
    const secretPrefix = stage.secretPrefix;
    const namespace = props.namespace ?? stage.namespace;
    const removalPolicy = props.removalPolicy ?? stage.removalPolicy;

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
      apiNotices: table('ApiNoticesTable', TABLES.apiNotices),
      checkpoints: table('CheckpointsTable', TABLES.checkpoints),
      gaps: table('GapsTable', TABLES.gaps),
      quarantine: table('QuarantineTable', TABLES.quarantine),
    };

    for (const provider of props.providers) {
      const perProvider: Record<string, ISecret> = {};
      for (const name of provider.secrets) {
        perProvider[name] = new Secret(this, `Secret-${provider.name}-${name}`, {
          secretName: stage.secretName(provider.name, name),
          description: `${provider.displayName} ${name}: set its value after deploy (README, "Secrets")`,
          removalPolicy,
        });
        Validations.of(perProvider[name]).acknowledge({ id: 'AwsSolutions-SMG4', reason: THIRD_PARTY_SECRET });
      }
      this.secrets[provider.name] = perProvider;
    }

    this.observability = new Observability(this, 'Observability', {
      namespace,
      alarms: {
        ...stage.config.alarms,
        'api-sunset-soon': { threshold: stage.config.sunsetWarningDays, ...stage.config.alarms['api-sunset-soon'] },
        ...props.alarms,
      },
      oncall: props.oncall ?? onCallSubscriptions(this, stage.config.oncall),
      runbookBaseUrl: props.runbookBaseUrl ?? runbookBaseUrlOf(this),
      removalPolicy,
    });
    // Outbound-call alarms for every provider, and p95 latency per operation its polls and writes call;
    // missing data never breaches, so idle providers stay OK.
    for (const provider of props.providers) {
      const monitoring = this.observability.provider(provider.name, provider.displayName).client();
      for (const operation of requestOperations(provider)) monitoring.operation(operation);
    }

    this.api = new HttpApi(this, 'Api', {
      createDefaultStage: false,
      description: 'Webhook receiver for third-party providers',
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: stage.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? stage.config.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: HTTP_API_ACCESS_LOG_FORMAT,
      },
    });

    this.blobs = new BlobBucket(this, 'Blobs', {
      archiveRetentionDays: props.archiveRetentionDays ?? stage.config.archiveRetentionDays,
      // The processor re-sends to the DLQ itself, so a message can live out both retentions.
      maxMessageLifetimeDays: QUEUE_RETENTION_DAYS + DLQ_RETENTION_DAYS,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY && stage.config.autoDeleteObjects,
    });
    // `npm run ops -- ... --aws` finds the bucket and queues through these outputs.
    new CfnOutput(this, 'BlobBucketName', {
      value: this.blobs.bucket.bucketName,
      description: 'Claim-checked payloads and the event archive',
    });
    new CfnOutput(this, 'ApiNoticesTableName', {
      value: this.tables.apiNotices.tableName,
      description: 'Endpoints in use and deprecations seen (npm run ops -- versions --aws)',
    });
    new CfnOutput(this, 'Stage', { value: stage.name, description: 'The stage this stack is (lib/stages.ts)' });
    new CfnOutput(this, 'SecretPrefix', {
      value: `${secretPrefix}/`,
      description: 'Every secret of this stage is named <prefix><provider>/<name>',
    });
    new CfnOutput(this, 'MetricsNamespace', {
      value: namespace,
      description: "CloudWatch namespace of this stage's metrics",
    });

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

    this.records = new RecordsApi(this, 'Records', { api: this.api, namespace, tables: this.tables });
    this.observability.provider('records', 'Records API').lambda('records-read', this.records.reader);
    new CfnOutput(this, 'RecordsUrl', {
      description: 'GET <this>/<provider>/<type>[?key=] (IAM, SigV4): last known data with fetch times',
      value: `${this.api.apiEndpoint}/records`,
    });
    const polling = props.providers.filter((p) => (p.polls?.length ?? 0) > 0);
    for (const provider of polling) {
      const integration = new PollIntegration(this, `Poll-${provider.name}`, {
        provider,
        secrets: this.secrets[provider.name] ?? {},
        secretPrefix,
        namespace,
        tables: this.tables,
      });
      this.polls[provider.name] = integration;
      this.recordApiNotices(integration.poller);
      const monitoring = this.observability
        .provider(provider.name, provider.displayName)
        .sync()
        .lambda('poller', integration.poller);
      for (const poll of provider.polls ?? []) monitoring.queue('scheduler-dlq-not-empty', integration.dlq, poll.name);
      new CfnOutput(this, `PollerFunction-${provider.name}`, {
        description: `npm run sync -- --provider ${provider.name} --aws --function <this>`,
        value: integration.poller.functionName,
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
        apiNoticesTable: this.tables.apiNotices,
        writer: props.writer,
        observability: this.observability,
      });
      this.commands[provider.name] = writes;
      new CfnOutput(this, `CommandUrl-${provider.name}`, {
        description: `POST ${provider.displayName} write commands here (IAM, SigV4)`,
        value: `${this.api.apiEndpoint}${writes.path}`,
      });
    }
  }

  /**
   * Lets a function that calls providers record the endpoints it uses and their deprecation notices
   * (`npm run ops -- versions`): sets API_NOTICES_TABLE and grants UpdateItem on that table only.
   *
   * @example
   * stack.recordApiNotices(pollerFn);
   */
  recordApiNotices(fn: LambdaFunction & IGrantable): void {
    recordApiNotices(fn, this.tables.apiNotices);
  }
}
