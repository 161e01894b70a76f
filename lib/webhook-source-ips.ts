import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV, SOURCE_IPS_SECRET } from '../lambdas/core/env-contract';
import { acknowledgeRolePolicies, acknowledgeTrigger } from './acknowledgements';
import { grantSecretRead } from './auth-secrets';
import { HandlerFunction } from './lambda-function';
import { acknowledgeSecret } from './provider-secrets';
import type { ProviderDefinition, ProviderSecrets, SharedParts } from './shared-parts';
import { StageSettings } from './stage-settings';

export interface WebhookSourceIpsProps {
  provider: ProviderDefinition;
  shared: SharedParts;
  /** The provider's other secrets: the list's secret goes in their stack. */
  secrets: ProviderSecrets;
  /** The ingest function that enforces the list. */
  ingest: HandlerFunction;
  /** `published`: refreshed hourly from the provider's list; `manual`: kept by the operator. */
  mode: 'published' | 'manual';
}

/**
 * A provider's source-IP allow list: the `<stage>/<provider>/webhookSourceIps` secret, read (and cached 5 minutes)
 * by the ingest, which refuses other callers before any signature work; with `published`, a function that fetches
 * the provider's published ranges every hour and writes them there (PutSecretValue on that secret, nothing else),
 * so a change at the provider reaches the ingest within about an hour, without a deploy. Until a list is stored
 * (the placeholder value), nothing is refused.
 *
 * @example
 * new WebhookSourceIps(this, 'SourceIps', { provider: github, secrets, shared, ingest, mode: 'published' });
 */
export class WebhookSourceIps extends Construct {
  readonly secret: Secret;
  readonly refresher?: HandlerFunction;

  constructor(scope: Construct, id: string, props: WebhookSourceIpsProps) {
    super(scope, id);
    const { provider, shared, ingest } = props;
    const stage = StageSettings.of(this);
    const name = `${shared.secretPrefix}/${provider.name}/${SOURCE_IPS_SECRET}`;
    // Named like the provider's other secrets (Secret-<provider>-<name>), acknowledged like them, and kept in the
    // stack they are in (the base stack, for most providers built in a nested stack).
    const sibling = Object.values(props.secrets)[0];
    const home = sibling && Stack.of(sibling) !== Stack.of(this) ? Stack.of(sibling) : this;
    this.secret = new Secret(home, `Secret-${provider.name}-${SOURCE_IPS_SECRET}`, {
      secretName: stage ? stage.secretName(provider.name, SOURCE_IPS_SECRET) : name,
      description: `${provider.displayName} webhook source-IP allow list: {"ranges":[...]} (docs/security.md)`,
      removalPolicy: stage?.removalPolicy,
      encryptionKey: shared.secretsKey,
    });
    acknowledgeSecret(
      this.secret,
      'Not a credential: a list of the addresses a provider sends webhooks from, kept current by its refresh function or by the operator; rotation does not apply.',
      shared.secretsKey,
    );
    grantSecretRead(this.secret, ingest);
    ingest.addEnvironment(ENV.sourceIpsSecret, SOURCE_IPS_SECRET);
    if (props.mode === 'published') this.refresher = this.refresh(props);
  }

  private refresh({ provider, shared }: WebhookSourceIpsProps): HandlerFunction {
    if (!provider.webhook?.publishedSourceIps)
      throw new Error(`${provider.name} publishes no webhook source addresses: use sourceIps: 'manual'`);
    const refresher = new HandlerFunction(this, 'Refresh', {
      handler: 'source-ips-refresh',
      timeout: Duration.seconds(30),
      environment: {
        [ENV.provider]: provider.name,
        [ENV.namespace]: shared.namespace,
        [ENV.sourceIpsSecretId]: this.secret.secretArn,
      },
    });
    refresher.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:PutSecretValue'],
        resources: [this.secret.secretArn],
      }),
    );
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `Invokes the ${provider.displayName} source-IP refresh every hour`,
    });
    acknowledgeRolePolicies(role);
    acknowledgeTrigger(refresher, 'schedule');
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(refresher.node.defaultChild as never)}.Arn>:*]`,
      reason: "lambda:InvokeFunction from grantInvoke covers this one function's versions and aliases, nothing else.",
    });
    new Schedule(this, 'Schedule', {
      description: `${provider.displayName}: refresh the webhook source-IP allow list`,
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      target: new LambdaInvoke(refresher, { role, retryAttempts: 2, maxEventAge: Duration.minutes(30) }),
    });
    shared.observability.provider(provider.name, provider.displayName).lambda('source-ips', refresher);
    return refresher;
  }
}
