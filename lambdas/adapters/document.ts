import type {
  BatchGetCommandInput,
  BatchGetCommandOutput,
  DeleteCommandInput,
  DeleteCommandOutput,
  GetCommandInput,
  GetCommandOutput,
  PutCommandInput,
  PutCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  ScanCommandInput,
  ScanCommandOutput,
  UpdateCommandInput,
  UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';

/**
 * The DynamoDB document operations the adapters use, with lib-dynamodb's inputs and outputs (plain values, not
 * attribute values). Two implementations: the SDK's `DynamoDBDocument` (tools, the local stack, tests, whose
 * middleware they hook) and `JsonDocumentClient` (Lambda handlers: no SDK client to parse at cold start).
 */
export interface DocumentClient {
  get(input: GetCommandInput): Promise<GetCommandOutput>;
  put(input: PutCommandInput): Promise<PutCommandOutput>;
  update(input: UpdateCommandInput): Promise<UpdateCommandOutput>;
  delete(input: DeleteCommandInput): Promise<DeleteCommandOutput>;
  query(input: QueryCommandInput): Promise<QueryCommandOutput>;
  scan(input: ScanCommandInput): Promise<ScanCommandOutput>;
  batchGet(input: BatchGetCommandInput): Promise<BatchGetCommandOutput>;
}

/** How both clients turn plain values into attribute values: undefined fields dropped, class instances as maps. */
export const MARSHALL_OPTIONS = { removeUndefinedValues: true, convertClassInstanceToMap: true } as const;

/**
 * A conditional write's condition did not hold (by name: the SDK's error class may come from another copy of the
 * package, and the JSON client's errors carry the service's code as their name).
 */
export const isConditionFailure = (err: unknown): boolean =>
  (err as Error | undefined)?.name === 'ConditionalCheckFailedException';

/**
 * Every item of a table whose partition key is `provider`: one provider's (a Query), or all of them (a Scan), page by
 * page until DynamoDB returns no LastEvaluatedKey.
 *
 * @example
 * const items = await providerItems(doc, 'circuits', 'github');
 */
export async function providerItems<T>(doc: DocumentClient, tableName: string, provider?: string): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = provider
      ? await doc.query({
          TableName: tableName,
          KeyConditionExpression: '#p = :p',
          ExpressionAttributeNames: { '#p': 'provider' },
          ExpressionAttributeValues: { ':p': provider },
          ExclusiveStartKey: start,
        })
      : await doc.scan({ TableName: tableName, ExclusiveStartKey: start });
    items.push(...((page.Items ?? []) as T[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
