import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import { DynamoCommandStore } from '../adapters/command-store';
import { JsonDocumentClient } from '../adapters/dynamodb-json';
import { DynamoRecordStore } from '../adapters/record-store';
import { sqsSender } from '../adapters/sqs-sender';
import type { ChangeDetail } from '../core/changes/schema';
import type { Route } from '../core/routes/route';
import { type RouteDeps, type RouteOutcome, runRoute } from '../core/routes/run-route';
import { getProvider } from '../providers';
import { awsTelemetry, ENV, once, required } from './shared/lambda-init';

export type ChangeRouteHandler = (event: EventBridgeEvent<string, ChangeDetail>) => Promise<RouteOutcome>;

/**
 * A route's function: its EventBridge rule delivers the change events that may match (the rule's pattern narrows
 * by source, type and the field's value now; core/routes/run-route.ts decides the rest) and a matching change
 * becomes a command on the target's queue through the same checks as `POST /commands/{provider}`. Invoked
 * asynchronously: a throw is retried by Lambda, then the event goes to the change DLQ (its on-failure destination).
 *
 * @example
 * const handle = createChangeRouteHandler(route, { accept, readRecord, dlq, telemetry });
 * await handle(changeEvent); // 'queued'
 */
export function createChangeRouteHandler(route: Route, deps: RouteDeps & { flush?(): void }): ChangeRouteHandler {
  return async (event) => {
    try {
      return await runRoute(route, event.detail, deps);
    } finally {
      deps.flush?.();
    }
  };
}

const aws = once(() => {
  const telemetry = awsTelemetry('change-route');
  // The route as the CDK app checked it at synth time (lib/change-routes.ts), as JSON.
  const route = JSON.parse(required(ENV.route)) as Route;
  const doc = new JsonDocumentClient();
  const queue = sqsSender(required(ENV.queueUrl));
  const records = new DynamoRecordStore(doc, required(ENV.recordsTable));
  return createChangeRouteHandler(route, {
    accept: {
      // One function per route, bundled with its target provider only.
      registry: getProvider,
      queueFor: (provider) => (provider === route.do.provider ? queue : undefined),
      outcomes: new DynamoCommandStore(doc, required(ENV.commandsTable)),
      telemetry,
      now: () => new Date(),
      newId: randomUUID,
    },
    readRecord: (provider, type, key) => records.get(provider, type, key),
    dlq: sqsSender(required(ENV.dlqUrl)),
    telemetry,
    flush: () => telemetry.flush(),
  });
});

export const handler: ChangeRouteHandler = (event) => aws()(event);
