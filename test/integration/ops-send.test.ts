import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opsMain } from '../../bin/ops/main';
import { providers } from '../../lambdas/providers';
import { STANDARD_CONTACT_CREATED, standardWebhooks } from '../../lambdas/providers/standard';
import { startDemo } from '../../local/demo';
import { providerWebhooksDemo } from '../../local/demo/provider-webhooks';
import type { LocalStack } from '../../local/stack';
import { runCli } from '../helpers/cli';
import type { LogCapture } from '../helpers/log-capture';
import { testStack, until } from '../helpers/local-stack';

// Written as a new provider's one file would be, and registered with the stack and the CLI only: no other file knows it.
const acme = standardWebhooks({ name: 'acme', displayName: 'Acme' });
const registry = [...providers, acme];
const ops = opsMain(registry);
let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, logs, close } = await testStack({ providers: registry, visibilityTimeoutMs: 2000 }));
  // What `npm start` writes for the CLI.
  const running = { url: stack.url, dynamoEndpoint: stack.dynamo.endpoint, adminUrl: stack.adminUrl, pid: process.pid };
  writeFileSync(join(stack.dataDir, 'stack.json'), JSON.stringify(running));
});
afterAll(async () => close());

const records = async (provider: string) =>
  JSON.parse((await runCli(ops, ['records', provider, '--json', '--data-dir', stack.dataDir])).stdout) as unknown[];

describe('npm run ops -- send <provider>', () => {
  it.each(registry.filter((p) => p.webhook).map((p) => p.name))(
    "%s: sends the provider's documented sample signed as it signs; its record lands and its DLQ stays empty",
    async (name) => {
      const before = (await records(name)).length;
      const sent = await runCli(ops, ['send', name, '--json', '--data-dir', stack.dataDir]);
      expect(sent).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(sent.stdout)).toMatchObject({ provider: name, status: 200 });
      await stack.drained();
      expect((await records(name)).length).toBeGreaterThan(before);
      expect(stack.queues[name]!.dlq.depth().total).toBe(0);
    },
  );

  it('refuses a provider without webhooks, or none, with one line and the usage (exit 2)', async () => {
    const football = await runCli(ops, ['send', 'football', '--data-dir', stack.dataDir]);
    expect(football.code).toBe(2);
    expect(football.stderr.split('\n')[0]).toBe('football receives no webhooks');
    expect((await runCli(ops, ['send', '--data-dir', stack.dataDir])).code).toBe(2);
  });
});

describe('a Standard Webhooks provider made with standardWebhooks({ name, displayName }) and nothing else', () => {
  it('gets a route, and the demo sends it documented samples that are processed into records', async () => {
    expect(Object.keys(stack.queues)).toContain('acme');
    const demo = startDemo(stack, [providerWebhooksDemo({ intervalMs: 5, providers: ['acme'] })], {
      random: () => 0.5,
    });
    const processed = () => logs.logs('event processed').filter((e) => e.provider === 'acme').length;
    const start = processed();
    await until(() => processed() >= start + 3, 'three acme events processed');
    await demo.stop();
    await stack.drained();
    const key = STANDARD_CONTACT_CREATED.data.id;
    expect(await stack.records.get('acme', 'contact', key)).toMatchObject({ type: 'contact', key });
    expect(stack.queues.acme!.dlq.depth().total).toBe(0);
  });
});
