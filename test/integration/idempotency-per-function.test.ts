import { afterEach, describe, expect, it } from 'vitest';
import { getProvider } from '../../lambdas/providers';
import { sampleDelivery } from '../../local/sample-deliveries';
import { TRELLO_SEED } from '../../local/simulators/trello';
import type { LocalStack } from '../../local/stack';
import type { LogCapture } from '../helpers/log-capture';
import { testStack, until } from '../helpers/local-stack';

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;
afterEach(async () => close());

// Found by the chaos run: one Powertools persistence layer shared by the processor and the writer took the
// configuration of whichever ran first, so after a command every webhook event had the same (empty) key.
describe('each function on the local stack has its own idempotency configuration, as each Lambda does', () => {
  it('webhook events after a command are each applied, not skipped as already processed', async () => {
    ({ stack, logs, close } = await testStack({ writer: { env: {} } }));
    const res = await fetch(`${stack.url}/commands/trello`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        commandId: 'first-of-all',
        operation: 'createCard',
        input: { ref: 'T-1', idList: TRELLO_SEED.lists.todo, name: 'First' },
      }),
    });
    expect(res.status).toBe(202);
    await until(
      async () =>
        (await stack.writes.commands.get('trello', 'first-of-all'))?.status === 'succeeded' ? true : undefined,
      'the command',
    );

    const stripe = getProvider('stripe')!;
    const secret = await stack.secrets.get('stripe', 'webhookSecret');
    for (let i = 0; i < 3; i += 1) {
      const { headers, body } = sampleDelivery(stripe, secret, { url: `${stack.url}/webhooks/stripe` });
      expect((await fetch(`${stack.url}/webhooks/stripe`, { method: 'POST', headers, body })).status).toBe(200);
    }
    await stack.drained();
    // Three events, three ids applied (a redelivery after the short visibility timeout may still be skipped).
    expect(new Set(logs.logs('event processed').map((l) => l.event_id)).size).toBe(3);
  });
});
