import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providers } from '../../lambdas/providers';
import { STANDARD_CONTACT_CREATED, standardWebhooks } from '../../lambdas/providers/standard';
import { startDemo } from '../../local/demo';
import { providerWebhooksDemo } from '../../local/demo/provider-webhooks';
import type { LocalStack } from '../../local/stack';
import type { LogCapture } from '../helpers/log-capture';
import { testStack, until } from '../helpers/local-stack';

// Written as a new provider's one file would be, and registered with the local stack only: no other file knows it.
const acme = standardWebhooks({ name: 'acme', displayName: 'Acme' });
let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, logs, close } = await testStack({ providers: [...providers, acme] }));
});
afterAll(async () => close());

describe('a Standard Webhooks provider made with standardWebhooks({ name, displayName }) and nothing else', () => {
  it('gets a route, and the demo sends it documented samples that are processed into records', async () => {
    expect(Object.keys(stack.queues)).toContain('acme');
    const demo = startDemo(stack, [providerWebhooksDemo({ intervalMs: 5, providers: ['acme'] })], {
      random: () => 0.5,
    });
    await until(() => logs.logs('event processed').some((e) => e.provider === 'acme'), 'an acme event processed');
    await demo.stop();
    await stack.drained();
    const key = STANDARD_CONTACT_CREATED.data.id;
    expect(await stack.records.get('acme', 'contact', key)).toMatchObject({ type: 'contact', key });
    expect(stack.queues.acme!.dlq.depth().total).toBe(0);
  });
});
