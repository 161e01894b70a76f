import { Duration } from 'aws-cdk-lib';
import { HttpMethod, type HttpApi, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../lambdas/core/env-contract';
import type { ProviderDefinition } from '../lambdas/core/provider';
import { clientSecretNames, grantSecretReads } from './auth-secrets';
import { workQueue } from './work-queue';
import { HandlerFunction } from './lambda-function';
import { grantItemAccess } from './table-grants';

export interface CommandIntegrationProps {
  provider: ProviderDefinition;
  api: HttpApi;
  secrets: Record<string, ISecret>;
  secretPrefix: string;
  namespace: string;
  idempotencyTable: ITable;
  externalIdsTable: ITable;
  commandsTable: ITable;
  /** Defaults: 60 s timeout, batches of 5, at most 2 concurrent batches, 5 receives before the DLQ. */
  writer?: { timeout?: Duration; batchSize?: number; maxConcurrency?: number; maxReceiveCount?: number };
}

/**
 * One provider's outbound writes: `POST /commands/<provider>` (IAM-authorised) -> accept λ -> command queue
 * (+DLQ) -> writer λ -> the provider. The accept function sends only to this queue; the writer reads only
 * the provider's client credentials. Other AWS services get access with `grantSend`.
 *
 * @example
 * const writes = new CommandIntegration(stack, 'Commands-trello', { provider: trello, api, secrets, ... });
 * writes.grantSend(otherServiceRole); // may call POST /commands/trello and send to the queue directly
 */
export class CommandIntegration extends Construct {
  readonly queue: Queue;
  readonly dlq: Queue;
  readonly accept: HandlerFunction;
  readonly writer: HandlerFunction;
  readonly route: HttpRoute;
  readonly path: string;

  constructor(scope: Construct, id: string, props: CommandIntegrationProps) {
    super(scope, id);
    const { provider } = props;
    if (!provider.writes) throw new Error(`${provider.name} has no writes`);
    const timeout = props.writer?.timeout ?? Duration.seconds(60);
    const maxReceiveCount = props.writer?.maxReceiveCount ?? 5;

    ({ queue: this.queue, dlq: this.dlq } = workQueue(this, timeout, maxReceiveCount));

    const common = { [ENV.provider]: provider.name, [ENV.namespace]: props.namespace };
    this.accept = new HandlerFunction(this, 'Accept', {
      handler: 'command-accept',
      timeout: Duration.seconds(10),
      environment: {
        ...common,
        [ENV.queueUrl]: this.queue.queueUrl,
        [ENV.commandsTable]: props.commandsTable.tableName,
      },
    });
    this.queue.grantSendMessages(this.accept);
    grantItemAccess(props.commandsTable, this.accept);

    this.writer = new HandlerFunction(this, 'Writer', {
      handler: 'command-writer',
      timeout,
      environment: {
        ...common,
        [ENV.dlqUrl]: this.dlq.queueUrl,
        [ENV.secretPrefix]: props.secretPrefix,
        [ENV.idempotencyTable]: props.idempotencyTable.tableName,
        [ENV.externalIdsTable]: props.externalIdsTable.tableName,
        [ENV.commandsTable]: props.commandsTable.tableName,
        [ENV.maxReceiveCount]: String(maxReceiveCount),
      },
    });
    this.writer.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.writer?.batchSize ?? 5,
        maxBatchingWindow: Duration.seconds(1),
        // Writes are paced by the provider's rate limit; few concurrent batches keep the client's bucket meaningful.
        maxConcurrency: props.writer?.maxConcurrency ?? 2,
        reportBatchItemFailures: true,
      }),
    );
    this.dlq.grantSendMessages(this.writer);
    grantItemAccess(props.idempotencyTable, this.writer);
    grantItemAccess(props.externalIdsTable, this.writer);
    grantItemAccess(props.commandsTable, this.writer);
    grantSecretReads(this.writer, provider, props.secrets, clientSecretNames(provider));

    this.path = `/commands/${provider.name}`;
    [this.route] = props.api.addRoutes({
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
}
