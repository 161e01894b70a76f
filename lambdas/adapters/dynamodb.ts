import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb';

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

/**
 * Every item of a table whose partition key is `provider`: one provider's (a Query), or all of them (a Scan).
 *
 * @example
 * const items = await providerItems(doc, 'circuits', 'github');
 */
export async function providerItems<T>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  provider?: string,
): Promise<T[]> {
  const items: T[] = [];
  const pages = provider
    ? paginateQuery(
        { client: doc },
        {
          TableName: tableName,
          KeyConditionExpression: '#p = :p',
          ExpressionAttributeNames: { '#p': 'provider' },
          ExpressionAttributeValues: { ':p': provider },
        },
      )
    : paginateScan({ client: doc }, { TableName: tableName });
  for await (const page of pages) items.push(...((page.Items ?? []) as T[]));
  return items;
}
