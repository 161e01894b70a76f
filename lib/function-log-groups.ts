import { CfnResource, RemovalPolicy, type IAspect } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { acknowledgeLogEncryption } from './acknowledgements';

/**
 * Gives every Lambda function of a stack that has no log group of its own one with the stage's retention and
 * removal policy.
 * HandlerFunction brings its own; this catches the rest, such as CDK's bucket auto-delete provider, which
 * would otherwise log to a group Lambda creates on first run and keeps forever. CDK's
 * `useCdkManagedLogGroup` flag covers only L2 functions, not CDK's own custom resource providers.
 *
 * @example
 * Aspects.of(stack).add(new FunctionLogGroups(RetentionDays.ONE_WEEK, RemovalPolicy.RETAIN));
 */
export class FunctionLogGroups implements IAspect {
  private readonly done = new WeakSet<CfnResource>();

  constructor(
    private readonly retention: RetentionDays,
    private readonly removalPolicy: RemovalPolicy = RemovalPolicy.RETAIN,
  ) {}

  visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node) || node.cfnResourceType !== 'AWS::Lambda::Function' || this.done.has(node))
      return;
    this.done.add(node);
    // CDK's custom resource providers are raw CfnResources and never set LoggingConfig.
    if (node instanceof CfnFunction && node.loggingConfig !== undefined) return;
    const logs = new LogGroup(node.node.scope!, `${node.node.id}Logs`, {
      retention: this.retention,
      removalPolicy: this.removalPolicy,
    });
    acknowledgeLogEncryption(logs);
    node.addPropertyOverride('LoggingConfig.LogGroup', logs.logGroupName);
  }
}
