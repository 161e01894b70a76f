import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { AlarmSettings } from '../lambdas/core/alarm-rules';
import type { ProviderDefinition } from '../lambdas/core/provider';
import { requestOperations } from '../lambdas/providers/operations';
import type { Construct } from 'constructs';
import { BLOBS_ROLE } from '../lambdas/core/resource-tags';
import { BlobBucket } from './blob-bucket';
import { tagForOps } from './ops-tags';
import { type Route, routesFor } from '../lambdas/core/routes/route';
import { checkRoutes } from '../lambdas/core/routes/validate';
import { recordFields } from '../lambdas/providers/record-fields';
import { ROUTES } from '../lambdas/routes';
import { ChangeEvents } from './change-events';
import { CommandIntegration, type CommandIntegrationProps } from './command-integration';
import { integrationApi } from './http-api';
import { Observability } from './observability/observability';
import { type OnCallProps, onCallSubscriptions, runbookBaseUrlOf } from './observability/on-call';
import { PollIntegration } from './poll-integration';
import { recordApiNotices } from './provider-calls';
import { providerResources } from './provider-cost';
import { RecoveryIntegration } from './recovery-integration';
import { providerSecrets } from './provider-secrets';
import { planProviderStacks, ProviderStacks, resourcesIn, STACK_BUDGET, type StackBudget } from './provider-stacks';
import { RecordsApi } from './records-api';
import type { ProviderSecrets, SharedParts } from './shared-parts';
import { type StackTables, stackTables } from './stack-tables';
import { StageSettings } from './stage-settings';
import { TableBackups } from './table-backups';
import { stageConfig, type StageConfig } from './stages';
import { WebhookIntegration, type WebhookIntegrationProps } from './webhook-integration';
import { DLQ_RETENTION_DAYS, QUEUE_RETENTION_DAYS } from './work-queue';

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
  /** Removal policy of tables, bucket, secrets, the topic key and log groups; default the stage's. */
  removalPolicy?: RemovalPolicy;
  /** Days archived webhooks are kept for `npm run ops -- replay`; default the stage's. */
  archiveRetentionDays?: number;
  /** Alarm threshold overrides per rule, on top of the stage's; defaults in lambdas/core/alarm-rules.ts. */
  alarms?: AlarmSettings;
  /** On-call subscriptions; default the stage's plus context `oncallEmails` / `oncallUrls`. */
  oncall?: OnCallProps;
  /**
   * Prepended to `docs/runbooks/<alarm>.md` in alarm descriptions (e.g. your repository's URL); default context
   * `runbookBaseUrl`.
   */
  runbookBaseUrl?: string;
  /** Resources per stack before providers go into nested stacks (lib/provider-stacks.ts); default STACK_BUDGET. */
  stackBudget?: StackBudget;
  /**
   * Routes from change events to commands (default: those of lambdas/routes.ts whose providers the stack has), checked
   * before anything is built.
   */
  routes?: readonly Route[];
}

/**
 * The whole integration stack of one stage: shared tables, secrets, observability, an HTTP API and a bucket;
 * then per provider its webhook path, polls, missed-event recovery and writes; the records API; and the outputs
 * the ops CLI reads. Providers beyond the base stack's resource budget are built in nested stacks
 * (`Providers-<n>`, lib/provider-stacks.ts), deployed with it; everything shared and every output stays here.
 *
 * @example
 * new IntegrationStack(app, stackName('prod'), { providers, stage: stageConfig('prod') });
 */
export class IntegrationStack extends Stack {
  /** The stage's settings, for every construct added to the stack (also `StageSettings.of(construct)`). */
  readonly stage: StageSettings;
  /** CloudWatch namespace of this stack's metrics: the stage's unless props say. */
  readonly namespace: string;
  /** Of tables, bucket, secrets, the topic key and log groups: the stage's unless props say. */
  readonly removalPolicy: RemovalPolicy;
  readonly tables: StackTables;
  /** Daily backups of every table where the stage keeps them (`backupRetentionDays`). */
  readonly backups?: TableBackups;
  readonly secrets: Record<string, ProviderSecrets> = {};
  /** Encrypts every secret of the stage when its `secretsKmsKey` is on (lib/stages.ts). */
  readonly secretsKey?: Key;
  readonly observability: Observability;
  readonly api: HttpApi;
  readonly blobs: BlobBucket;
  /** What every provider integration takes from this stack. */
  readonly shared: SharedParts;
  readonly webhooks: Record<string, WebhookIntegration> = {};
  /** `GET /records/{provider}/{type}` (IAM): last known data with fetch times, whether providers are up or not. */
  readonly records: RecordsApi;
  readonly polls: Record<string, PollIntegration> = {};
  /** Missed-event recovery per provider with `recover`: its function, schedules and DLQ. */
  readonly recoveries: Record<string, RecoveryIntegration> = {};
  /**
   * Outbound writes per provider with `writes`: its command queue and DLQ (`commands[p].dlq` for alarms), writer and
   * route.
   */
  readonly commands: Record<string, CommandIntegration> = {};
  /** Which stack builds each provider's integrations: this one, or one of its nested stacks. */
  readonly providerStacks: ProviderStacks;
  /** The change bus (records created or changed), its archive, the stream into it and the routes on it. */
  readonly changes: ChangeEvents;

  constructor(scope: Construct, id: string, props: IntegrationStackProps) {
    super(scope, id, props);
    const routes = props.routes ?? routesFor(ROUTES, props.providers);
    // A route naming an unknown provider, record field or operation is a synth error, before anything is built.
    checkRoutes(routes, { registry: (name) => props.providers.find((p) => p.name === name), fieldsOf: recordFields });
    // Attached first: constructs below read it through StageSettings.of(this).
    this.stage = new StageSettings(props.stage ?? stageConfig(), { removalPolicy: props.removalPolicy }).attach(this);
    this.namespace = props.namespace ?? this.stage.namespace;
    this.removalPolicy = this.stage.removalPolicy;
    this.tables = stackTables(this, this.removalPolicy);
    this.backups = this.addBackups();
    this.secretsKey = this.addSecretsKey();
    const budget = props.stackBudget ?? {
      ...STACK_BUDGET,
      base: this.stage.config.stackBaseBudget ?? STACK_BUDGET.base,
    };
    const later = this.addBaseSecrets(props.providers, budget.secrets);
    this.observability = this.addObservability(props);
    this.api = integrationApi(this, {
      throttle: props.throttle ?? this.stage.config.throttle,
      logRetention: this.stage.logRetention,
      metricsNamespace: this.namespace,
      logRemovalPolicy: this.removalPolicy,
    });
    this.blobs = this.addBlobs(props);
    this.addStageOutputs();
    // Planned once the shared parts are counted; the alarms below then go where their provider is.
    this.providerStacks = this.planProviderStacks(props.providers, budget);
    for (const provider of later) this.addSecrets(provider, this.providerStacks.scopeOf(provider.name));
    this.monitorProviders(props.providers);
    this.observability.httpApi(this.api);
    this.shared = this.sharedParts();
    // By kind, then provider: alarms and dashboard widgets come out in the order they are added.
    for (const provider of props.providers) if (provider.webhook) this.addWebhook(provider, props);
    this.records = this.addRecordsApi(props.providers);
    for (const provider of props.providers) if (provider.polls?.length) this.addPolls(provider);
    for (const provider of props.providers) if (provider.recover?.length) this.addRecovery(provider);
    for (const provider of props.providers) if (provider.writes) this.addCommands(provider, props);
    this.changes = new ChangeEvents(this, 'ChangeEvents', {
      shared: this.shared,
      archiveRetentionDays: this.stage.config.changeArchiveRetentionDays,
      routes,
      commands: this.commands,
    });
  }

  /**
   * Lets a function that calls `provider` record the endpoints it uses and their deprecation notices
   * (`npm run ops -- versions`): sets API_NOTICES_TABLE and grants UpdateItem on that provider's items only.
   *
   * @example
   * stack.recordApiNotices(pollerFn, 'football');
   */
  recordApiNotices(fn: LambdaFunction & IGrantable, provider: string): void {
    recordApiNotices(fn, provider, this.tables.apiNotices);
  }

  /**
   * Each provider's secrets in this stack, in the order listed, while the providers' running cost stays within
   * `allowance` (every provider this stack can hold, and a few after it); returns the providers after that, whose
   * secrets go in their nested stack once it is planned.
   */
  private addBaseSecrets(providers: readonly ProviderDefinition[], allowance: number): ProviderDefinition[] {
    let cost = 0;
    for (const [i, provider] of providers.entries()) {
      cost += provider.secrets.length + providerResources(provider, this.stage.config);
      if (cost > allowance) return providers.slice(i);
      this.addSecrets(provider, this);
    }
    return [];
  }

  private addSecrets(provider: ProviderDefinition, scope: Construct): void {
    const { stage, removalPolicy, secretsKey } = this;
    this.secrets[provider.name] = providerSecrets(scope, provider, stage, removalPolicy, secretsKey);
  }

  /**
   * Providers in the order listed, in this stack while its budget lasts (what it holds besides secrets, a reserve
   * for what it makes after them, and each provider's secrets here), the rest in nested stacks.
   */
  private planProviderStacks(providers: readonly ProviderDefinition[], budget: StackBudget): ProviderStacks {
    const secretsHere = Object.values(this.secrets).reduce((n, s) => n + Object.keys(s).length, 0);
    const costs = providers.map((p) => ({
      name: p.name,
      resources: providerResources(p, this.stage.config),
      secrets: p.secrets.length,
      secretsInBase: this.secrets[p.name] !== undefined,
    }));
    const used = resourcesIn(this) - secretsHere + budget.reserve;
    return new ProviderStacks(this, planProviderStacks(costs, used, budget));
  }

  /** AWS Backup of every table, or why point-in-time recovery alone holds in this stage. */
  private addBackups(): TableBackups | undefined {
    const retentionDays = this.stage.config.backupRetentionDays;
    if (retentionDays)
      return new TableBackups(this, 'Backups', {
        tables: Object.values(this.tables),
        retentionDays,
        removalPolicy: this.removalPolicy,
      });
    for (const table of Object.values(this.tables))
      Validations.of(table).acknowledge({
        id: 'NIST.800.53.R5-DynamoDBInBackupPlan',
        reason:
          'This stage keeps no AWS Backup copies (lib/stages.ts `backupRetentionDays`, set in prod): point-in-time recovery restores any second of the last 35 days, and its tables hold test data or state a sync rebuilds.',
      });
    return undefined;
  }

  /**
   * The stage's own key for its secrets: rotating, kept as the stage keeps its data; undefined where the stage says no.
   */
  private addSecretsKey(): Key | undefined {
    if (!this.stage.config.secretsKmsKey) return undefined;
    return new Key(this, 'SecretsKey', {
      description: `Encrypts the secrets of stage ${this.stage.name} (${this.stage.secretPrefix}/*)`,
      enableKeyRotation: true,
      removalPolicy: this.removalPolicy,
      pendingWindow: Duration.days(30),
    });
  }

  /** The on-call topic and its key, and the dashboards; alarms come with what they watch. */
  private addObservability(props: IntegrationStackProps): Observability {
    const { config } = this.stage;
    const observability = new Observability(this, 'Observability', {
      namespace: this.namespace,
      alarms: {
        ...config.alarms,
        'api-sunset-soon': { threshold: config.sunsetWarningDays, ...config.alarms['api-sunset-soon'] },
        ...props.alarms,
      },
      oncall: props.oncall ?? onCallSubscriptions(this, config.oncall),
      runbookBaseUrl: props.runbookBaseUrl ?? runbookBaseUrlOf(this),
      removalPolicy: this.removalPolicy,
    });
    return observability;
  }

  /** Every provider's dashboard section and outbound-call alarms, in its stack; p95 latency per operation it calls. */
  private monitorProviders(providers: readonly ProviderDefinition[]): void {
    for (const provider of providers) {
      const home = this.providerStacks.monitoringOf(provider.name);
      const monitoring = this.observability.provider(provider.name, provider.displayName, home).client();
      // Missing data never breaches, so idle providers stay OK.
      for (const operation of requestOperations(provider)) monitoring.operation(operation);
    }
  }

  private addBlobs(props: IntegrationStackProps): BlobBucket {
    const blobs = new BlobBucket(this, 'Blobs', {
      archiveRetentionDays: props.archiveRetentionDays ?? this.stage.config.archiveRetentionDays,
      // The processor re-sends to the DLQ itself, so a message can live out both retentions.
      maxMessageLifetimeDays: QUEUE_RETENTION_DAYS + DLQ_RETENTION_DAYS,
      removalPolicy: this.removalPolicy,
      autoDeleteObjects: this.removalPolicy === RemovalPolicy.DESTROY && this.stage.config.autoDeleteObjects,
      accessLogRetentionDays: this.stage.config.blobAccessLogs ? this.stage.config.logRetentionDays : undefined,
      versioned: this.stage.config.blobVersioning,
    });
    tagForOps(blobs.bucket, BLOBS_ROLE);
    return blobs;
  }

  /**
   * What people read about the stage; `npm run ops -- ... --aws` finds queues, tables and bucket by their tags instead
   * (lib/ops-tags.ts).
   */
  private addStageOutputs(): void {
    new CfnOutput(this, 'BlobBucketName', {
      value: this.blobs.bucket.bucketName,
      description: 'Claim-checked payloads and the event archive',
    });
    new CfnOutput(this, 'ApiNoticesTableName', {
      value: this.tables.apiNotices.tableName,
      description: 'Endpoints in use and deprecations seen (npm run ops -- versions --aws)',
    });
    new CfnOutput(this, 'Stage', { value: this.stage.name, description: 'The stage this stack is (lib/stages.ts)' });
    new CfnOutput(this, 'SecretPrefix', {
      value: `${this.stage.secretPrefix}/`,
      description: 'Every secret of this stage is named <prefix><provider>/<name>',
    });
    new CfnOutput(this, 'MetricsNamespace', {
      value: this.namespace,
      description: "CloudWatch namespace of this stage's metrics",
    });
  }

  private sharedParts(): SharedParts {
    const { api, tables, blobs, observability, namespace, secretsKey } = this;
    const { secretPrefix } = this.stage;
    return { api, tables, blobs, observability, namespace, secretPrefix, secretsKey };
  }

  private addWebhook(provider: ProviderDefinition, props: IntegrationStackProps): void {
    const secrets = this.secrets[provider.name] ?? {};
    const webhook = new WebhookIntegration(this.providerStacks.scopeOf(provider.name), `Webhook-${provider.name}`, {
      provider,
      secrets,
      shared: this.shared,
      processor: props.processor,
    });
    this.webhooks[provider.name] = webhook;
    new CfnOutput(this, `WebhookUrl-${provider.name}`, {
      description: `Paste into ${provider.displayName}'s webhook settings`,
      value: `${this.api.apiEndpoint}${webhook.path}`,
    });
  }

  private addRecordsApi(providers: readonly ProviderDefinition[]): RecordsApi {
    const records = new RecordsApi(this, 'Records', {
      api: this.api,
      namespace: this.namespace,
      tables: this.tables,
      providers,
    });
    this.observability.provider('records', 'Records API').lambda('records-read', records.reader);
    new CfnOutput(this, 'RecordsUrl', {
      description: 'GET <this>/<provider>/<type>[?key=] (IAM, SigV4): last known data with fetch times',
      value: `${this.api.apiEndpoint}/records`,
    });
    return records;
  }

  private addPolls(provider: ProviderDefinition): void {
    const secrets = this.secrets[provider.name] ?? {};
    const scope = this.providerStacks.scopeOf(provider.name);
    const polls = new PollIntegration(scope, `Poll-${provider.name}`, { provider, secrets, shared: this.shared });
    this.polls[provider.name] = polls;
    new CfnOutput(this, `PollerFunction-${provider.name}`, {
      description: `npm run sync -- --provider ${provider.name} --aws --function <this>`,
      value: polls.poller.functionName,
    });
  }

  private addRecovery(provider: ProviderDefinition): void {
    const queue = this.webhooks[provider.name]?.queue;
    if (!queue) throw new Error(`${provider.name} has recoveries but no webhook to feed them into`);
    const secrets = this.secrets[provider.name] ?? {};
    const recovery = new RecoveryIntegration(this.providerStacks.scopeOf(provider.name), `Recover-${provider.name}`, {
      provider,
      secrets,
      shared: this.shared,
      queue,
    });
    this.recoveries[provider.name] = recovery;
    new CfnOutput(this, `RecoveryFunction-${provider.name}`, {
      description: `npm run sync -- --provider ${provider.name} --recover --aws --function <this>`,
      value: recovery.fn.functionName,
    });
  }

  private addCommands(provider: ProviderDefinition, props: IntegrationStackProps): void {
    const secrets = this.secrets[provider.name] ?? {};
    const writes = new CommandIntegration(this.providerStacks.scopeOf(provider.name), `Commands-${provider.name}`, {
      provider,
      secrets,
      shared: this.shared,
      writer: props.writer,
    });
    this.commands[provider.name] = writes;
    new CfnOutput(this, `CommandUrl-${provider.name}`, {
      description: `POST ${provider.displayName} write commands here (IAM, SigV4)`,
      value: `${this.api.apiEndpoint}${writes.path}`,
    });
  }
}
