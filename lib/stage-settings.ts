import { ArnFormat, Aspects, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { FunctionLogGroups } from './function-log-groups';
import { metricsNamespace, secretPrefix, SERVICE, stackName, type StageConfig } from './stages';

const attached = new WeakMap<Stack, StageSettings>();

/**
 * A stage's settings as CDK values, reachable from any construct of the stack: `StageSettings.of(this)`.
 * Constructs take their removal policy, log retention, secret names and resource names from here,
 * so a new construct follows the stage in one line.
 *
 * @example
 * const stage = StageSettings.of(this);
 * new Table(this, 'State', { ..., removalPolicy: stage.removalPolicy });
 * secretsmanager.Secret.fromSecretNameV2(this, 'Token', stage.secretName('github', 'token'));
 */
export class StageSettings {
  readonly name: string;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly secretPrefix: string;
  readonly namespace: string;
  private stack?: Stack;

  /**
   * `overrides.removalPolicy`: a stack's own choice over the stage file's (IntegrationStack's `removalPolicy` prop).
   */
  constructor(
    readonly config: StageConfig,
    overrides: { removalPolicy?: RemovalPolicy } = {},
  ) {
    this.name = config.name;
    this.removalPolicy =
      overrides.removalPolicy ?? (config.removal === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
    // RetentionDays' values are the day counts themselves; the stage schema allows only valid ones.
    this.logRetention = config.logRetentionDays as RetentionDays;
    this.secretPrefix = secretPrefix(config.name);
    this.namespace = metricsNamespace(config.name);
  }

  /** The stage of `scope`'s stack (or of the stack a nested stack sits in); undefined outside an IntegrationStack. */
  static of(scope: IConstruct): StageSettings | undefined {
    for (let stack: Stack | undefined = Stack.of(scope); stack; stack = stack.nestedStackParent) {
      const settings = attached.get(stack);
      if (settings) return settings;
    }
    return undefined;
  }

  /**
   * Makes this the stage of `stack`, tags every resource in it with `stage` and `service`, and gives every function a
   * log group with the stage's retention and removal policy.
   */
  attach(stack: Stack): this {
    attached.set(stack, this);
    this.stack = stack;
    Aspects.of(stack).add(new FunctionLogGroups(this.logRetention, this.removalPolicy));
    Tags.of(stack).add('stage', this.name);
    Tags.of(stack).add('service', SERVICE);
    for (const [key, value] of Object.entries(this.config.tags)) Tags.of(stack).add(key, value);
    return this;
  }

  /** The stack's name: `IntegrationStack-<stage>` when deployed by bin/app.ts. */
  get stackName(): string {
    return this.stack?.stackName ?? stackName(this.name);
  }

  /** Secrets Manager name of a provider's secret: `<stage>/<provider>/<name>`. */
  secretName(provider: string, name: string): string {
    return `${this.secretPrefix}/${provider}/${name}`;
  }

  /** ARN pattern of every secret of this stage (Secrets Manager appends `-XXXXXX` to names). */
  secretsArn(scope: IConstruct): string {
    return Stack.of(scope).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${this.secretPrefix}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** A physical name unique to the stage, for names people read (alarms, dashboards): `<stack>-<part>`. */
  resourceName(part: string): string {
    return `${this.stackName}-${part}`;
  }
}
