import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaInvoker } from '../../lambdas/adapters/lambda-invoker';
import { LambdaInvokeContract } from '../contracts/lambda-invoke';

const contract = new LambdaInvokeContract();
let invoker: LambdaInvoker;
let client: LambdaClient;

beforeAll(async () => {
  const endpoint = await contract.start();
  client = new LambdaClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 3,
  });
  invoker = new LambdaInvoker(client);
  contract.handlers.set('echo', async (event) => ({ got: event }));
  contract.handlers.set('broken', async () => {
    throw new TypeError('cannot read the event');
  });
});
afterAll(async () => {
  client.destroy();
  await contract.stop();
});

describe('LambdaInvoker (Lambda Invoke over its wire protocol)', () => {
  it('invokes synchronously with a JSON payload and reads the JSON answer', async () => {
    expect(await invoker.invoke('echo', { provider: 'football', poll: 'fixtures' })).toEqual({
      ok: true,
      payload: { got: { provider: 'football', poll: 'fixtures' } },
    });
    expect(contract.calls.at(-1)).toMatchObject({ functionName: 'echo', invocationType: 'RequestResponse' });
  });

  it('returns a function error as a value with its type and message', async () => {
    expect(await invoker.invoke('broken', {})).toEqual({
      ok: false,
      error: { type: 'TypeError', message: 'cannot read the event' },
    });
  });

  it('retries a throttled invocation', async () => {
    contract.throttle = 1;
    const before = contract.calls.length;
    expect(await invoker.invoke('echo', { n: 1 })).toEqual({ ok: true, payload: { got: { n: 1 } } });
    expect(contract.calls.slice(before).map((c) => c.payload)).toEqual([{ n: 1 }, { n: 1 }]);
    expect(contract.throttle).toBe(0);
  });

  it('throws for a function that does not exist', async () => {
    await expect(invoker.invoke('missing', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
