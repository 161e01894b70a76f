import { Duration } from 'aws-cdk-lib';
import { HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/core/env-contract';
import { acknowledgeTrigger } from './acknowledgements';
import { addRoutes } from './http-api';
import { HandlerFunction } from './lambda-function';
import { tagForOps } from './ops-tags';
import { QueueFunction, type QueueConsumerSettings } from './queue-function';
import type { ProviderIntegrationProps } from './shared-parts';
import { grantProviderItems, IDEMPOTENCY_ACTIONS } from './table-grants';
import { type WorkQueue, workQueue } from './work-queue';

export interface CommandIntegrationProps extends ProviderIntegrationProps {
  /** Defaults: 60 s timeout, batches of 5, at most 2 concurrent batches, 5 receives before the DLQ. */
  writer?: QueueConsumerSettings;
}

/**
 * One provider's outbound writes: `POST /commands/<provider>` (IAM-authorised) -> accept λ -> command queue
 * (+DLQ) -> writer λ -> the provider, with its alarms. The accept function sends only to this queue; the writer
 * reads only the provider's client credentials. Other AWS services get access with `grantSend`.
 *
 * @example
 * const writes = new CommandIntegration(stack, 'Commands-trello', { provider: trello, secrets, shared });
 * writes.grantSend(otherServiceRole); // may call POST /commands/trello and send to the queue directly
 */
export class CommandIntegration extends Construct {
  readonly queue: Queue;
  readonly dlq: Queue;
  readonly accept: HandlerFunction;
  readonly writer: QueueFunction;
  readonly route: HttpRoute;
  readonly path: string;

  constructor(scope: Construct, id: string, props: CommandIntegrationProps) {
    super(scope, id);
    const { provider, secrets, shared } = props;
    if (!provider.writes) throw new Error(`${provider.name} has no writes`);
    const { tables } = shared;
    const settings = props.writer ?? {};
    const work = workQueue(
      this,
      settings.timeout ?? Duration.seconds(60),
      settings.maxReceiveCount ?? 5,
      settings.batchWindow,
    );
    ({ queue: this.queue, dlq: this.dlq } = work);
    tagForOps(work.queue, 'commands', provider.name);
    tagForOps(work.dlq, 'commands-dlq', provider.name);
    const common = { [ENV.provider]: provider.name, [ENV.namespace]: shared.namespace };
    this.accept = this.acceptFunction(props, work, common);
    const monitoring = shared.observability.provider(provider.name, provider.displayName).writes({ queue: work.queue });
    this.writer = new QueueFunction(this, 'Writer', {
      handler: 'command-writer',
      work,
      environment: {
        ...common,
        [ENV.secretPrefix]: shared.secretPrefix,
        [ENV.idempotencyTable]: tables.idempotency.tableName,
        [ENV.externalIdsTable]: tables.externalIds.tableName,
        [ENV.commandsTable]: tables.commands.tableName,
        // A rate-limited command is hidden until the limit has room (ChangeMessageVisibility, in its consume grant).
        [ENV.queueUrl]: work.queue.queueUrl,
      },
      // Writes are paced by the provider's rate limit; few concurrent batches keep the client's bucket meaningful.
      eventSource: { batchSize: settings.batchSize ?? 5, maxConcurrency: settings.maxConcurrency ?? 2 },
      itemTables: [
        { table: tables.idempotency, actions: IDEMPOTENCY_ACTIONS },
        // Claim, count, map (conditional updates), release (a conditional delete), and read on a lost claim.
        { table: tables.externalIds, actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] },
        // A delivery's outcome: start, succeed, fail, each a conditional update.
        { table: tables.commands, actions: ['dynamodb:UpdateItem'] },
      ],
      calls: { provider, secrets, apiNotices: tables.apiNotices, circuits: tables.circuits },
      monitoring: { provider: monitoring, role: 'writer', dlqAlarm: 'command-dlq-not-empty' },
    });
    monitoring.lambda('command-accept', this.accept);
    this.path = `/commands/${provider.name}`;
    [this.route] = addRoutes(shared.api, this, {
      path: this.path,
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration(`${id}Integration`, this.accept),
      // Callers are other AWS services: SigV4-signed requests from principals granted `execute-api:Invoke`.
      authorizer: new HttpIamAuthorizer(),
    }) as [HttpRoute];
  }

  /** Lets a principal submit commands: invoke the route, or send to the queue directly. */
  grantSend(grantee: IGrantable): void {
    this.route.grantInvoke(grantee);
    this.queue.grantSendMessages(grantee);
  }

  /** Validates, records and queues a command: sends to this queue, writes command outcomes. */
  private acceptFunction(
    { provider, shared }: ProviderIntegrationProps,
    work: WorkQueue,
    common: Record<string, string>,
  ): HandlerFunction {
    const accept = new HandlerFunction(this, 'Accept', {
      handler: 'command-accept',
      timeout: Duration.seconds(10),
      environment: {
        ...common,
        [ENV.queueUrl]: work.queue.queueUrl,
        [ENV.commandsTable]: shared.tables.commands.tableName,
      },
    });
    acknowledgeTrigger(accept, 'api');
    work.queue.grantSendMessages(accept);
    // Accept (a conditional put), read on a repeat, discard a command the queue refused.
    grantProviderItems(shared.tables.commands, accept, provider.name, [
      'dynamodb:PutItem',
      'dynamodb:GetItem',
      'dynamodb:DeleteItem',
    ]);
    return accept;
  }
}
