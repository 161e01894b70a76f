import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsSecretStore, secretName } from '../../lambdas/adapters/secrets';
import { SecretsManagerContract } from '../contracts/secrets-manager';

const contract = new SecretsManagerContract();
let client: SecretsManagerClient;

beforeAll(async () => {
  const endpoint = await contract.start();
  client = new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await contract.stop();
});
afterEach(() => vi.useRealTimers());

describe('AwsSecretStore (Secrets Manager through Powertools Parameters)', () => {
  it('reads `<prefix>/<provider>/<name>` and caches it for the TTL', async () => {
    contract.values.set('dev/github/webhookSecret', 'v1-secret');
    const store = new AwsSecretStore('dev', { client, maxAgeSeconds: 300 });
    expect(await store.get('github', 'webhookSecret')).toBe('v1-secret');
    expect(await store.get('github', 'webhookSecret')).toBe('v1-secret');
    expect(contract.calls.filter((c) => c.endsWith('dev/github/webhookSecret'))).toHaveLength(1);
  });

  it('picks up a rotated value once the cache TTL has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    contract.values.set('dev/slack/signingSecret', 'old');
    const store = new AwsSecretStore('dev', { client, maxAgeSeconds: 60 });
    expect(await store.get('slack', 'signingSecret')).toBe('old');
    contract.values.set('dev/slack/signingSecret', 'new');
    vi.advanceTimersByTime(30_000);
    expect(await store.get('slack', 'signingSecret')).toBe('old');
    vi.advanceTimersByTime(31_000);
    expect(await store.get('slack', 'signingSecret')).toBe('new');
  });

  it('fails with an error naming the secret when it does not exist, keeping the error kind', async () => {
    const store = new AwsSecretStore('dev', { client });
    const err = await store.get('nope', 'token').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain(secretName('dev', 'nope', 'token'));
    expect(err?.message).toContain("can't find the specified secret");
    expect(err?.name).toBe('GetParameterError');
    expect(secretName('dev', 'github', 'token')).toBe('dev/github/token');
  });

  it('fails with an error naming the secret, never its value, when the value is not a string', async () => {
    const value = 'hunter2-stored-as-binary';
    contract.values.set('dev/github/token', new TextEncoder().encode(value));
    const store = new AwsSecretStore('dev', { client });
    const err = await store.get('github', 'token').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain('dev/github/token');
    for (const shown of [value, Buffer.from(value).toString('base64'), 'hunter2'])
      expect(err?.message).not.toContain(shown);
  });
});
