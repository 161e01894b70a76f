import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smokeCheck } from '../../bin/smoke/check';
import { main } from '../../bin/smoke/main';
import { runCli } from '../helpers/cli';
import { testStack, until } from '../helpers/local-stack';

// The Standard Webhooks spec's example secret.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let stack: Awaited<ReturnType<typeof testStack>>;
let url: string;

beforeAll(async () => {
  stack = await testStack({
    secrets: { standard: { webhookSecret: JSON.stringify([SECRET, 'whsec_b2xkIHNlY3JldCBvbGQgc2VjcmV0']) } },
  });
  url = `${stack.stack.url}/webhooks/standard`;
});
afterAll(async () => {
  await stack.close();
});

describe('the deploy smoke check (bin/smoke.ts)', () => {
  it('gets 200 for a freshly signed Standard Webhooks test event, and the event is processed', async () => {
    const result = await smokeCheck({ url, secret: SECRET, ref: 'abc1234' });
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 1 });
    const record = await until(
      async () => (await stack.stack.records.get('standard', 'event:smoke.test', result.eventId)) ?? undefined,
      'smoke record',
    );
    expect(record.data).toEqual({ type: 'smoke.test' });
  });

  it('fails at once on 401 (a wrong secret does not heal) and retries a 5xx', async () => {
    const wrong = await smokeCheck({ url, secret: 'whsec_d3Jvbmcgc2VjcmV0IHZhbHVlIQ==', waitMs: 1 });
    expect(wrong).toMatchObject({ ok: false, status: 401, attempts: 1 });
    let calls = 0;
    const flaky: typeof fetch = async (input, init) =>
      ++calls < 3 ? new Response('{"message":"Internal Server Error"}', { status: 503 }) : fetch(input, init);
    expect(await smokeCheck({ url, secret: SECRET, fetch: flaky, waitMs: 1 })).toMatchObject({
      ok: true,
      status: 200,
      attempts: 3,
    });
    expect(
      await smokeCheck({ url: 'http://127.0.0.1:9/webhooks/standard', secret: SECRET, attempts: 2, waitMs: 1 }),
    ).toMatchObject({ ok: false, attempts: 2, detail: expect.stringMatching(/^network:/) });
  });

  it('runs as the command line does (its main) with the URL and secret from the environment, printing neither the secret nor the signature', async () => {
    const { code, stdout } = await runCli(main, ['--stage', 'staging', '--json'], {
      SMOKE_WEBHOOK_URL: url,
      SMOKE_WEBHOOK_SECRET: SECRET,
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ stage: 'staging', ok: true, status: 200 });
    expect(stdout).not.toContain(SECRET.slice(6));
    expect(stdout).not.toContain('v1,');
  });
});
