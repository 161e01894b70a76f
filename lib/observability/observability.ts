import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Dashboard, type Alarm, type CfnDashboard } from 'aws-cdk-lib/aws-cloudwatch';
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
import { AlarmFactory } from './alarm-factory';
import type { OnCallProps } from './on-call';
import { LazyWidget, overviewSection, providerSection, type ProviderSectionState } from './dashboard-widgets';

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
  readonly dashboard: Dashboard;
  readonly factory: AlarmFactory;
  readonly settings: AlarmSettings;
  readonly namespace: string;
  private readonly providers = new Map<string, ProviderMonitoring>();
  private readonly functions: { label: string; fn: IFunction }[] = [];
  private api?: IHttpApi;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const prefix = props.prefix ?? Stack.of(this).stackName;
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
    for (const email of props.oncall?.emails ?? []) this.topic.addSubscription(new EmailSubscription(email));
    for (const url of props.oncall?.urls ?? []) this.topic.addSubscription(new UrlSubscription(url));

    this.factory = new AlarmFactory(this, {
      prefix,
      namespace: props.namespace,
      actions: [new SnsAction(this.topic)],
      runbookBaseUrl: props.runbookBaseUrl,
    });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${prefix}-integrations`,
      defaultInterval: Duration.hours(3),
    });
    // cfn-lint 1.51's us-east-1 schema predates dashboard Tags, which CloudFormation and CDK accept (docs/security.md).
    (this.dashboard.node.defaultChild as CfnDashboard).addMetadata('cfn-lint', {
      config: { ignore_checks: ['E3002'] },
    });
    this.dashboard.addWidgets(
      new LazyWidget(() => overviewSection(`${prefix}: integrations`, this.alarms, this.api, this.functions)),
    );

    new CfnOutput(this, 'OnCallTopicArn', {
      description: 'Subscribe on-call here (email, HTTPS, chat)',
      value: this.topic.topicArn,
    });
    new CfnOutput(this, 'DashboardName', {
      description: 'CloudWatch dashboard of every integration',
      value: `${prefix}-integrations`,
    });
  }

  /** Every alarm created so far. */
  get alarms(): Alarm[] {
    return this.factory.created.map((c) => c.alarm);
  }

  /** The facade of one provider (created on first use; adds the provider's dashboard section). */
  provider(name: string, displayName = name): ProviderMonitoring {
    let p = this.providers.get(name);
    if (!p) {
      p = new ProviderMonitoring(this, name, displayName);
      this.providers.set(name, p);
      const state = p.state;
      this.dashboard.addWidgets(new LazyWidget(() => providerSection(this.namespace, state)));
    }
    return p;
  }

  /** API Gateway's own 5xx rate (one per stack). */
  httpApi(api: IHttpApi): void {
    if (this.api) return;
    this.api = api;
    for (const rule of rulesFor('platform', 'api', this.settings)) this.factory.create(rule, 'api', { api });
  }

  /** Lambda errors and throttles of one function. */
  lambda(label: string, fn: IFunction): void {
    this.functions.push({ label, fn });
    for (const rule of rulesFor('platform', 'function', this.settings)) this.factory.create(rule, label, { fn });
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

  /** Webhooks: signature rejections, event lag, queue age, DLQ not empty. */
  webhook(parts: { queue: IQueue; dlq: IQueue }): this {
    return this.once('webhook', () => {
      this.state.webhook = parts;
      this.group('webhook');
      this.alarmOn('webhook-queue-age', parts.queue);
      this.alarmOn('webhook-dlq-not-empty', parts.dlq);
    });
  }

  /** Scheduled sync: gaps open for over an hour (add its scheduler DLQ with `queue`). */
  sync(): this {
    return this.once('sync', () => {
      this.state.sync = true;
      this.group('sync');
    });
  }

  /** Outbound writes: the failed-commands widget (add its command DLQ with `queue`). */
  writes(): this {
    return this.once('writes', () => {
      this.state.writes = true;
      this.group('writes');
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
    return this.once(`lambda:${role}`, () => this.owner.lambda(subjectSlug(this.provider, role), fn));
  }

  private alarmOn(id: AlarmId, queue: IQueue, name?: string): void {
    const rule = resolveRule(id, this.owner.settings);
    if (!rule) return;
    if (rule.scope !== 'queue') throw new Error(`${id} is not a queue rule`);
    this.owner.factory.create(rule, subjectSlug(this.provider, name), { provider: this.provider, queue });
  }
}
