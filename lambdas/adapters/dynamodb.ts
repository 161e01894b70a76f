import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocument } from '@aws-sdk/lib-dynamodb';
import { MARSHALL_OPTIONS } from './document';

export type { DynamoDBDocument };

/**
 * One SDK DynamoDB client per process, for tools, the local stack, tests and the bench (their fault injection and
 * metering hook its middleware); Lambda handlers use JsonDocumentClient. `endpoint` points it at dynalite.
 */
export function createDynamoClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ maxAttempts: 3, ...config });
}

/** The SDK's document client: `send(command)` as before, and the DocumentClient operations the adapters call. */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocument {
  return DynamoDBDocument.from(client, { marshallOptions: { ...MARSHALL_OPTIONS } });
}
