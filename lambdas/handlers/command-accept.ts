import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoCommandStore } from '../adapters/command-store';
import { JsonDocumentClient } from '../adapters/dynamodb-json';
import { sqsSender } from '../adapters/sqs-sender';
import { acceptCommand, type AcceptDeps } from '../core/writes/accept';
import { getProvider } from '../providers';
import { awsTelemetry, ENV, once, required } from './shared/lambda-init';

export type AcceptHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The command-accept Lambda behind `POST /commands/{provider}` (IAM-authorised in AWS): validates a command
 * and queues it for the writer, answering 202 with its id.
 *
 * @example
 * const handle = createAcceptHandler({ registry: getProvider, queueFor, outcomes, telemetry, now: () => new Date(), newId: randomUUID });
 * const res = await handle(apiGatewayV2Event); // 202 {"commandId":"...","status":"queued"}
 */
export function createAcceptHandler(deps: AcceptDeps & { flush?(): void }): AcceptHandler {
  return async (event) => {
    try {
      const raw = event.body ?? '';
      return await acceptCommand(
        {
          provider: event.pathParameters?.provider ?? /^\/commands\/([^/]+)/.exec(event.rawPath ?? '')?.[1] ?? '',
          method: event.requestContext?.http?.method ?? 'POST',
          body: event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw,
        },
        deps,
      );
    } finally {
      deps.flush?.();
    }
  };
}

const aws = once(() => {
  const telemetry = awsTelemetry('command-accept');
  const provider = required(ENV.provider);
  const queue = sqsSender(required(ENV.queueUrl));
  return createAcceptHandler({
    // One function per provider: it can send only to its own command queue.
    registry: (name) => (name === provider ? getProvider(name) : undefined),
    queueFor: (name) => (name === provider ? queue : undefined),
    outcomes: new DynamoCommandStore(new JsonDocumentClient(), required(ENV.commandsTable)),
    telemetry,
    now: () => new Date(),
    newId: randomUUID,
    flush: () => telemetry.flush(),
  });
});

export const handler: AcceptHandler = (event) => aws()(event);
