import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type { DynamoDBDocumentClient };

/** One DynamoDB client per process; `endpoint` points it at dynalite in the local stack. */
export function createDynamoClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ maxAttempts: 3, ...config });
}

export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}

/**
 * A conditional write's condition did not hold (by name: the SDK's error class may come from another copy of the
 * package).
 */
export const isConditionFailure = (err: unknown): boolean =>
  (err as Error | undefined)?.name === 'ConditionalCheckFailedException';
