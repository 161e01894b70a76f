import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { type Archive, EventBus, Match, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping, FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { toJSONSchema } from 'zod';
import { acknowledgeTrigger } from './acknowledgements';
import { CHANGE_SOURCE_PREFIX } from '../lambdas/core/changes/names';
import { changeEventSchema } from '../lambdas/core/changes/schema';
import { ENV } from '../lambdas/core/env-contract';
import { routePattern } from '../lambdas/core/routes/pattern';
import type { Route } from '../lambdas/core/routes/route';
import type { CommandIntegration } from './command-integration';
import { HandlerFunction } from './lambda-function';
import type { SharedParts } from './shared-parts';
import { StageSettings } from './stage-settings';
import { grantProviderItems } from './table-grants';
import { deadLetterQueue } from './work-queue';

export interface ChangeEventsProps {
  shared: SharedParts;
  /** Days the archive keeps change events for replay. */
  archiveRetentionDays: number;
  /** Checked already (lib/integration-stack.ts): one rule and one function each. */
  routes: readonly Route[];
  /** The command integrations the routes send to, by provider. */
  commands: Record<string, CommandIntegration>;
}

/**
 * Change events: the records table's stream -> the change-stream function -> the stage's EventBridge bus, with an
 * archive for replay, the event schema in the schema registry, and one rule and one route function per route,
 * each queueing commands on its target's command queue. One DLQ (with its alarm) takes every failure of the path:
 * stream batches that keep failing, route commands the target refuses, route invocations that keep failing.
 * Why a function and not EventBridge Pipes: docs/design.md, "Change events".
 *
 * @example
 * const changes = new ChangeEvents(stack, 'ChangeEvents', { shared, archiveRetentionDays: 7, routes: ROUTES, commands: stack.commands });
 * changes.bus.grantPutEventsTo(someProducer);
 */
export class ChangeEvents extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;
  readonly dlq: Queue;
  readonly publisher: HandlerFunction;
  readonly routes: Record<string, { rule: Rule; fn: HandlerFunction }> = {};

  constructor(scope: Construct, id: string, props: ChangeEventsProps) {
    super(scope, id);
    const stage = StageSettings.of(this);
    const name = stage?.resourceName('changes') ?? `${Stack.of(this).stackName}-changes`;
    this.bus = new EventBus(this, 'Bus', { eventBusName: name, description: 'Change events of the records table' });
    this.archive = this.bus.archive('Archive', {
      archiveName: name,
      description: 'Every change event, for replay (npm run ops -- changes)',
      eventPattern: { source: Match.prefix(CHANGE_SOURCE_PREFIX) },
      retention: Duration.days(props.archiveRetentionDays),
    });
    this.dlq = deadLetterQueue(this, 'Dlq');
    Validations.of(this.dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This is itself a dead-letter queue (the stream's on-failure destination, the route functions' async failure destination and their rules' target DLQ); nag only recognises DLQs that an SQS queue redrives to.",
    });
    this.publisher = this.publisherFunction(props.shared);
    this.registerSchema(name);
    for (const route of props.routes) this.addRoute(route, props);
    props.shared.observability
      .provider('changes', 'Change events')
      .queue('change-dlq-not-empty', this.dlq)
      .lambda('stream', this.publisher);
    new CfnOutput(this, 'ChangeBusName', { description: 'Subscribe with your own rules on this bus', value: name });
    new CfnOutput(this, 'ChangeArchiveArn', { description: 'Replay source', value: this.archive.archiveArn });
    new CfnOutput(this, 'ChangeDlqUrl', { description: 'Change events and route failures', value: this.dlq.queueUrl });
  }

  /** The stream's function: reads the records table's stream and puts events on this bus; nothing else. */
  private publisherFunction(shared: SharedParts): HandlerFunction {
    const records: Table = shared.tables.records;
    const fn = new HandlerFunction(this, 'Stream', {
      handler: 'change-stream',
      timeout: Duration.seconds(60),
      environment: {
        [ENV.namespace]: shared.namespace,
        [ENV.changeBus]: this.bus.eventBusName,
        [ENV.dlqUrl]: this.dlq.queueUrl,
      },
    });
    // The stream's own ARN, not CDK's grantStreamRead, which adds dynamodb:ListStreams on "*".
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [records.tableStreamArn!],
      }),
    );
    new EventSourceMapping(this, 'StreamMapping', {
      target: fn,
      eventSourceArn: records.tableStreamArn!,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      // One batch per shard at a time: a key's events go out in stream order.
      parallelizationFactor: 1,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: 10,
      // DynamoDB Streams keep records 24 hours.
      maxRecordAge: Duration.hours(24),
      onFailure: new SqsDlq(this.dlq),
      filters: [FilterCriteria.filter({ eventName: FilterRule.or('INSERT', 'MODIFY') })],
    });
    acknowledgeTrigger(fn, 'stream');
    this.bus.grantPutEventsTo(fn);
    this.dlq.grantSendMessages(fn);
    return fn;
  }

  /** The event's JSON Schema (draft 4, from the zod schema) in a registry of its own, for consumers' code bindings. */
  private registerSchema(name: string): void {
    const registry = new CfnRegistry(this, 'SchemaRegistry', {
      registryName: name,
      description: 'Change events of the integration stack',
    });
    const schema = new CfnSchema(this, 'ChangeEventSchema', {
      registryName: registry.attrRegistryName,
      schemaName: 'integration.change-event',
      type: 'JSONSchemaDraft4',
      description: 'A record created or changed (docs/change-events.md)',
      content: JSON.stringify(toJSONSchema(changeEventSchema, { target: 'draft-4' })),
    });
    schema.addResourceDependency(registry);
  }

  /** One route: its rule on this bus, and its function, which may send only to its target's command queue. */
  private addRoute(route: Route, props: ChangeEventsProps): void {
    const { shared } = props;
    const target = props.commands[route.do.provider];
    if (!target) throw new Error(`route ${route.name}: ${route.do.provider} has no command queue in this stack`);
    const scope = new Construct(this, `Route-${route.name}`);
    const fn = new HandlerFunction(scope, 'Function', {
      handler: 'change-route',
      timeout: Duration.seconds(30),
      environment: {
        // Bundles the target's definition only: its operations validate the command.
        [ENV.provider]: route.do.provider,
        [ENV.route]: JSON.stringify(route),
        [ENV.namespace]: shared.namespace,
        [ENV.queueUrl]: target.queue.queueUrl,
        [ENV.commandsTable]: shared.tables.commands.tableName,
        [ENV.recordsTable]: shared.tables.records.tableName,
        [ENV.dlqUrl]: this.dlq.queueUrl,
      },
    });
    // EventBridge invokes asynchronously: two more tries, then the event and its error to the DLQ.
    fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.dlq),
    });
    acknowledgeTrigger(fn, 'event');
    target.queue.grantSendMessages(fn);
    // As the target's command-accept function: accept (a conditional put), read on a repeat, discard a refused one.
    grantProviderItems(shared.tables.commands, fn, route.do.provider, [
      'dynamodb:PutItem',
      'dynamodb:GetItem',
      'dynamodb:DeleteItem',
    ]);
    // The source's record, when its event left the record out (over 256 KB).
    grantProviderItems(shared.tables.records, fn, route.on.provider, ['dynamodb:GetItem']);
    this.dlq.grantSendMessages(fn);
    const pattern = routePattern(route);
    const rule = new Rule(scope, 'Rule', {
      eventBus: this.bus,
      description: route.description ?? `Route ${route.name}`,
      eventPattern: {
        source: pattern.source as string[],
        detailType: pattern['detail-type'] as string[],
        ...(pattern.detail ? { detail: pattern.detail as Record<string, unknown> } : {}),
      },
      targets: [
        new LambdaFunction(fn, { deadLetterQueue: this.dlq, retryAttempts: 8, maxEventAge: Duration.hours(6) }),
      ],
    });
    shared.observability.provider('changes', 'Change events').lambda(`route-${route.name}`, fn);
    this.routes[route.name] = { rule, fn };
  }
}
