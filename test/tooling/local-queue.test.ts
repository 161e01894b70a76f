import { describe, expect, it } from 'vitest';
import { SQS_MESSAGE_LIMIT } from '../../lambdas/core/blob-layout';
import { LocalQueue } from '../../local/queue';

describe('LocalQueue', () => {
  it("refuses a message over SQS's 1 MiB limit, body and attributes together, as SendMessage does", async () => {
    const queue = new LocalQueue({ name: 'q', visibilityTimeoutMs: 1000 });
    const attributes = { provider: 'trello' };
    const attrBytes = 'provider'.length + 'trello'.length + 'String'.length;
    await queue.send({ body: 'x'.repeat(SQS_MESSAGE_LIMIT - attrBytes), attributes });
    await expect(queue.send({ body: 'x'.repeat(SQS_MESSAGE_LIMIT - attrBytes + 1), attributes })).rejects.toMatchObject(
      { name: 'InvalidParameterValue' },
    );
    expect(queue.receive(10)).toHaveLength(1);
  });
});
