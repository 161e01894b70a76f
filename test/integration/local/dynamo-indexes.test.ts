import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createTable, startDynamo, tableGone } from '../../../local/dynamo';
import { RECORDS_BY_PROVIDER, TABLES } from '../../../lambdas/core/tables';

const dir = mkdtempSync(join(tmpdir(), 'dynamo-indexes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('local DynamoDB tables kept in .local/', () => {
  it('gains an index its spec added since, with the items it already held', async () => {
    const before = await startDynamo({ dir });
    const { indexes: _none, ...oldSpec } = TABLES.records;
    await before.client.send(new DeleteTableCommand({ TableName: 'records' }));
    await tableGone(before.client, 'records');
    await createTable(before.client, oldSpec);
    await before.doc.send(
      new PutCommand({
        TableName: 'records',
        Item: { pk: 'acme#thing#1', provider: 'acme', type: 'thing', key: '1', data: '{}', writtenAt: 1 },
      }),
    );
    await before.close();

    const after = await startDynamo({ dir });
    try {
      const page = await after.doc.send(
        new QueryCommand({
          TableName: 'records',
          IndexName: RECORDS_BY_PROVIDER,
          KeyConditionExpression: 'provider = :p',
          ExpressionAttributeValues: { ':p': 'acme' },
        }),
      );
      expect(page.Items).toEqual([{ pk: 'acme#thing#1', provider: 'acme' }]);
    } finally {
      await after.close();
    }
  });
});
