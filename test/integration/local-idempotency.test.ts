import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleGithubIssue } from '../../lambdas/providers/github';
import { signAs } from '../../local/sign';
import type { LocalStack } from '../../local/stack';
import type { LogCapture } from '../helpers/log-capture';
import { testStack, until } from '../helpers/local-stack';

let stack: LocalStack;
let logs: LogCapture;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ stack, logs, close } = await testStack());
});
afterAll(async () => close());

describe('idempotency on the local stack', () => {
  it('keeps webhook events apart after a command ran first (the writer and the processor each have their own persistence layer, as in Lambda)', async () => {
    const res = await fetch(`${stack.url}/commands/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        commandId: 'cmd-first-1',
        operation: 'createCustomer',
        input: { ref: 'U-first', email: 'first@example.com' },
      }),
    });
    expect(res.status).toBe(202);
    await until(() => logs.logs('command done').length > 0 || undefined, 'the command');
    const secret = await stack.secrets.get('github', 'webhookSecret');
    for (const number of [101, 102]) {
      const signed = signAs('github', JSON.stringify(sampleGithubIssue({ number })), secret, {
        headers: { 'x-github-event': 'issues' },
      });
      expect(
        (await fetch(`${stack.url}/webhooks/github`, { method: 'POST', headers: signed.headers, body: signed.body }))
          .status,
      ).toBe(200);
    }
    await until(
      () =>
        logs.logs('event processed').length + logs.logs('event already processed, skipped').length >= 2 || undefined,
      'both events',
    );
    await stack.drained();
    expect(logs.logs('event processed')).toHaveLength(2);
    expect(logs.logs('event already processed, skipped')).toEqual([]);
  });
});
