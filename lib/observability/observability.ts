import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm, CompositeAlarm, IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  resolveRule,
  rulesFor,
  subjectSlug,
  type AlarmGroup,
  type AlarmId,
  type AlarmSettings,
} from '../../lambdas/core/alarm-rules';
import { deadLetterQueue as dlqOf } from '../work-queue';
import { AlarmFactory } from './alarm-factory';
import type { OnCallProps } from './on-call';
import { overviewSection, providerSection, type ProviderSectionState } from './dashboard-widgets';
import { IntegrationDashboards } from './dashboards';
import { providerHealthAlarm } from './provider-health';

export interface ObservabilityProps {
  namespace: string;
  /** Alarm and dashboard names start with it; default the stack name. */
  prefix?: string;
  /** Threshold and evaluation overrides per rule (lambdas/core/alarm-rules.ts has the defaults). */
  alarms?: AlarmSettings;
  /** Subscriptions to the on-call topic; default none (the stack passes the stage's and the context's: on-call.ts). */
  oncall?: OnCallProps;
  /** Prepended to `docs/runbooks/<id>.md` in alarm descriptions; default none. */
  runbookBaseUrl?: string;
  /** Of the topic's KMS key; default RETAIN. */
  removalPolicy?: RemovalPolicy;
  /** Provider sections per CloudWatch dashboard before another one starts (dashboards.ts); default 10. */
  providersPerDashboard?: number;
}

/**
 * On-call for the whole stack: an encrypted SNS topic, one alarm factory, one dashboard. Integrations
 * register what they run through the per-provider facade, in one line each.
 *
 * @example
 * const observability = new Observability(stack, 'Observability', { namespace: 'IntegrationStack' });
 * observability.provider('github').webhook({ queue, dlq }).lambda('ingest', ingestFn);
 * observability.provider('trello').queue('command-dlq-not-empty', commandDlq);
 */
export class Observability extends Construct {
  readonly topic: Topic;
  readonly dashboards: IntegrationDashboards;
  readonly factory: AlarmFactory;
  readonly settings: AlarmSettings;
  readonly namespace: string;
  private readonly providers = new Map<string, ProviderMonitoring>();
  /** Each provider's health (any of its alarms), in the order providers were added. */
  private readonly health: CompositeAlarm[] = [];
  private readonly prefix: string;
  private readonly functions: { label: string; fn: IFunction }[] = [];
  private api?: IHttpApi;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const prefix = props.prefix ?? Stack.of(this).stackName;
    this.prefix = prefix;
    this.settings = props.alarms ?? {};
    this.namespace = props.namespace;

    // CloudWatch can publish to an encrypted topic only with a customer managed key that lets it use the key.
    const key = new Key(this, 'OnCallKey', {
      description: 'Encrypts the on-call alarm topic',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'OnCallTopic', { displayName: `${prefix} on-call`, masterKey: key, enforceSSL: true });
    this.addSubscriptions(props.oncall ?? {});

    this.factory = new AlarmFactory(this, {
      prefix,
      namespace: props.namespace,
      actions: [new SnsAction(this.topic)],
      runbookBaseUrl: props.runbookBaseUrl,
    });
    this.dashboards = new IntegrationDashboards(
      this,
      { prefix, providersPerDashboard: props.providersPerDashboard ?? 10 },
      (more) =>
        overviewSection({
          title: `${prefix}: integrations`,
          status: this.status,
          api: this.api,
          namespace: this.namespace,
          functions: this.functions,
          more,
        }),
    );

    new CfnOutput(this, 'OnCallTopicArn', {
      description: 'Subscribe on-call here (email, HTTPS, chat)',
      value: this.topic.topicArn,
    });
    new CfnOutput(this, 'DashboardName', {
      description: 'CloudWatch dashboard of every integration (more providers on <name>-2, -3, ... past 10)',
      value: `${prefix}-integrations`,
    });
  }
  /** Email and HTTPS subscriptions; a page SNS cannot deliver (endpoint down, after SNS's retries) lands in one DLQ. */
  private addSubscriptions(oncall: OnCallProps): void {
    const emails = oncall.emails ?? [];
    const urls = oncall.urls ?? [];
    if (emails.length + urls.length === 0) return;
    const deadLetterQueue = onCallDlq(this);
    for (const email of emails) this.topic.addSubscription(new EmailSubscription(email, { deadLetterQueue }));
    for (const url of urls) this.topic.addSubscription(new UrlSubscription(url, { deadLetterQueue }));
  }

  /** Every alarm created so far. */
  get alarms(): Alarm[] {
    return this.factory.created.map((c) => c.alarm);
  }

  /** What the overview lists: each provider's health, then the alarms of no provider (the API's). */
  private get status(): IAlarm[] {
    return [...this.health, ...this.factory.created.filter((c) => c.provider === undefined).map((c) => c.alarm)];
  }

  /**
   * The facade of one provider (created on first use; adds the provider's dashboard section). `home` is where its
   * alarms, health alarm and dashboard section go, given on first use: this construct unless the provider's
   * integrations are built in a nested stack (lib/provider-stacks.ts), whose own construct it then is.
   */
  provider(name: string, displayName = name, home: Construct = this): ProviderMonitoring {
    let p = this.providers.get(name);
    if (!p) {
      p = new ProviderMonitoring(this, name, displayName);
      this.providers.set(name, p);
      this.factory.home(name, home);
      const state = p.state;
      const alarms = () => this.factory.of(name);
      const health = providerHealthAlarm(home, this.prefix, name, alarms);
      this.health.push(health);
      this.dashboards.addProvider(health, () => providerSection(this.namespace, state, alarms()), home);
    }
    return p;
  }

  /** API Gateway's own 5xx rate (one per stack). */
  httpApi(api: IHttpApi): void {
    if (this.api) return;
    this.api = api;
    for (const rule of rulesFor('platform', 'api', this.settings)) this.factory.create(rule, 'api', { api });
  }

  /** Lambda errors and throttles of one function (of `provider`, when it is one of a provider's). */
  lambda(label: string, fn: IFunction, provider?: string): void {
    this.functions.push({ label, fn });
    for (const rule of rulesFor('platform', 'function', this.settings))
      this.factory.create(rule, label, { fn }, provider);
  }
}

/**
 * One provider's monitoring, in the style of cdk-monitoring-constructs' facade: each method adds the
 * alarms of one part the provider runs, and its widgets to the provider's dashboard section.
 * Every method is idempotent per argument and returns `this` for chaining.
 */
export class ProviderMonitoring {
  readonly state: ProviderSectionState;
  private readonly done = new Set<string>();

  constructor(
    private readonly owner: Observability,
    readonly provider: string,
    displayName: string,
  ) {
    this.state = { provider, displayName, client: false, sync: false, writes: false, queues: [] };
  }

  private once(key: string, add: () => void): this {
    if (!this.done.has(key)) {
      this.done.add(key);
      add();
    }
    return this;
  }

  private group(group: AlarmGroup): void {
    for (const rule of rulesFor(group, 'provider', this.owner.settings))
      this.owner.factory.create(rule, this.provider, { provider: this.provider });
  }

  /** Outbound calls: 5xx rate, 429 rate, timeouts, circuit open. */
  client(): this {
    return this.once('client', () => {
      this.state.client = true;
      this.group('client');
    });
  }

  /** p95 latency of one operation (pass the same `operation` the client emits metrics with). */
  operation(operation: string): this {
    return this.client().once(`operation:${operation}`, () => {
      for (const rule of rulesFor('client', 'operation', this.owner.settings)) {
        this.owner.factory.create(rule, subjectSlug(this.provider, operation), { provider: this.provider, operation });
      }
    });
  }

  /**
   * Webhooks: signature rejections, event lag, queue age, DLQ not empty; with `route` (its route key,
   * `ANY /webhooks/github`), the route's 4xx and throttled rates (counted by route-metrics.ts).
   */
  webhook(parts: { queue: IQueue; dlq: IQueue; route?: string }): this {
    return this.once('webhook', () => {
      this.state.webhook = parts;
      this.group('webhook');
      this.alarmOn('webhook-queue-age', parts.queue);
      this.alarmOn('webhook-dlq-not-empty', parts.dlq);
      const route = parts.route;
      if (route)
        for (const rule of rulesFor('webhook', 'route', this.owner.settings))
          this.owner.factory.create(rule, this.provider, { provider: this.provider, route });
    });
  }

  /** Scheduled sync: gaps open for over an hour (add its scheduler DLQ with `queue`). */
  sync(): this {
    return this.once('sync', () => {
      this.state.sync = true;
      this.group('sync');
    });
  }

  /**
   * Outbound writes: the failed-commands widget; with `queue` (the command queue), its backlog and age alarms
   * and widget. Add its command DLQ with `queue('command-dlq-not-empty', dlq)`.
   */
  writes(parts: { queue?: IQueue } = {}): this {
    this.once('writes', () => {
      this.state.writes = true;
      this.group('writes');
    });
    const queue = parts.queue;
    if (!queue) return this;
    return this.once('writes:queue', () => {
      this.state.commandQueue = queue;
      this.alarmOn('command-queue-backlog', queue);
      this.alarmOn('command-queue-age', queue);
    });
  }

  /**
   * A queue-scoped rule on one queue, e.g. `queue('command-dlq-not-empty', commandDlq)` or
   * `queue('scheduler-dlq-not-empty', polls.football.dlq, 'fixtures')`.
   */
  queue(rule: AlarmId, queue: IQueue, name?: string): this {
    return this.once(`queue:${rule}:${name ?? ''}`, () => {
      this.state.queues.push({ label: subjectSlug(rule.replace(/-not-empty$/, ''), name), queue });
      this.alarmOn(rule, queue, name);
    });
  }

  /** Errors and throttles of one of the provider's functions (`role`: ingest, processor, poller, writer). */
  lambda(role: string, fn: IFunction): this {
    return this.once(`lambda:${role}`, () => this.owner.lambda(subjectSlug(this.provider, role), fn, this.provider));
  }

  private alarmOn(id: AlarmId, queue: IQueue, name?: string): void {
    const rule = resolveRule(id, this.owner.settings);
    if (!rule) return;
    if (rule.scope !== 'queue') throw new Error(`${id} is not a queue rule`);
    this.owner.factory.create(rule, subjectSlug(this.provider, name), { provider: this.provider, queue });
  }
}

/** The on-call subscriptions' DLQ: SNS's own dead-letter target, not one an SQS queue redrives to. */
function onCallDlq(scope: Construct): IQueue {
  const dlq = dlqOf(scope, 'OnCallDlq');
  Validations.of(dlq).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      "This is itself a dead-letter queue (the on-call subscriptions' redrive target for pages SNS could not deliver); nag only recognises DLQs that an SQS queue redrives to.",
  });
  return dlq;
}
