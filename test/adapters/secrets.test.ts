import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { secretWriter } from '../../lambdas/adapters/secret-writer';
import { AwsSecretStore, secretName } from '../../lambdas/adapters/secrets';
import { type Moto, startMoto, stubSdkEnvironment } from '../helpers/moto';

let moto: Moto;
let client: SecretsManagerClient;

beforeAll(async () => {
  moto = await startMoto();
  client = new SecretsManagerClient({
    endpoint: moto.url,
    region: 'us-east-1',
    credentials: moto.credentials,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

const create = (name: string, value: string | Uint8Array) =>
  client.send(
    new CreateSecretCommand(
      typeof value === 'string' ? { Name: name, SecretString: value } : { Name: name, SecretBinary: value },
    ),
  );
const put = (name: string, value: string) =>
  client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
const read = async (name: string) => (await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;

const config = () => ({ endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials });

describe('AwsSecretStore (GetSecretValue through aws-json, on moto)', () => {
  it('reads `<prefix>/<provider>/<name>` and caches it for the TTL, one call for concurrent first reads', async () => {
    await create('dev/github/webhookSecret', 'v1-secret');
    const store = new AwsSecretStore('dev', { ...config(), maxAgeSeconds: 300 });
    const first = store.get('github', 'webhookSecret');
    const second = store.get('github', 'webhookSecret');
    // The second read shares the first's call: the same pending answer, not a second GetSecretValue.
    expect(second).toBe(first);
    expect(await Promise.all([first, second])).toEqual(['v1-secret', 'v1-secret']);
    await put('dev/github/webhookSecret', 'v2-secret');
    expect(await store.get('github', 'webhookSecret')).toBe('v1-secret');
  });

  it('picks up a rotated value once the cache TTL has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await create('dev/slack/signingSecret', 'old');
    const store = new AwsSecretStore('dev', { ...config(), maxAgeSeconds: 60 });
    expect(await store.get('slack', 'signingSecret')).toBe('old');
    await put('dev/slack/signingSecret', 'new');
    vi.advanceTimersByTime(30_000);
    expect(await store.get('slack', 'signingSecret')).toBe('old');
    vi.advanceTimersByTime(31_000);
    expect(await store.get('slack', 'signingSecret')).toBe('new');
  });

  it('re-reads past the cache on refresh, at most once a minute per secret', async () => {
    await create('dev/stripe/webhookSecret', 'old');
    let now = 1_000_000;
    const store = new AwsSecretStore('dev', { ...config(), maxAgeSeconds: 3600, now: () => now });
    expect(await store.get('stripe', 'webhookSecret')).toBe('old');
    await put('dev/stripe/webhookSecret', 'new');
    expect(await store.get('stripe', 'webhookSecret')).toBe('old');
    expect(await store.refresh('stripe', 'webhookSecret')).toBe('new');
    expect(await store.get('stripe', 'webhookSecret')).toBe('new');
    // A flood of mismatching signatures: no second read within the minute.
    await put('dev/stripe/webhookSecret', 'newer');
    expect(await store.refresh('stripe', 'webhookSecret')).toBeUndefined();
    expect(await store.get('stripe', 'webhookSecret')).toBe('new');
    now += 61_000;
    expect(await store.refresh('stripe', 'webhookSecret')).toBe('newer');
  });

  it('fails with an error naming the secret when it does not exist, keeping the error kind', async () => {
    const store = new AwsSecretStore('dev', config());
    const err = await store.get('nope', 'token').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain(secretName('dev', 'nope', 'token'));
    expect(err?.message).toContain("can't find the specified secret");
    expect(err?.name).toBe('ResourceNotFoundException');
    // Not cached: the secret created afterwards is read on the next call.
    await create('dev/nope/token', 'now-here');
    expect(await store.get('nope', 'token')).toBe('now-here');
    expect(secretName('dev', 'github', 'token')).toBe('dev/github/token');
  });

  it('fails with an error naming the secret, never its value, when the value is not a string', async () => {
    const value = 'hunter2-stored-as-binary';
    await create('dev/github/token', new TextEncoder().encode(value));
    const store = new AwsSecretStore('dev', config());
    const err = await store.get('github', 'token').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain('dev/github/token');
    for (const shown of [value, Buffer.from(value).toString('base64'), 'hunter2'])
      expect(err?.message).not.toContain(shown);
  });

  it('builds its own client from the environment when given none, as in Lambda', async () => {
    await create('env/github/webhookSecret', 'from-env');
    stubSdkEnvironment(moto);
    expect(await new AwsSecretStore('env').get('github', 'webhookSecret')).toBe('from-env');
  });
});

describe('secret writer (PutSecretValue, on moto)', () => {
  it('writes a new current version that the next read returns', async () => {
    await create('prod/github/webhookSourceIps', 'placeholder-from-deploy');
    const write = secretWriter('prod/github/webhookSourceIps', {
      endpoint: moto.url,
      region: 'us-east-1',
      credentials: moto.credentials,
    });
    await write('["140.82.112.0/20"]');
    expect(await read('prod/github/webhookSourceIps')).toBe('["140.82.112.0/20"]');
  });

  it('secretWriter takes its endpoint and credentials from the environment, and fails on a missing secret', async () => {
    await create('prod/stripe/webhookSourceIps', 'placeholder-from-deploy');
    stubSdkEnvironment(moto);
    await secretWriter('prod/stripe/webhookSourceIps')('["3.18.12.63"]');
    expect(await read('prod/stripe/webhookSourceIps')).toBe('["3.18.12.63"]');
    await expect(secretWriter('prod/nope/webhookSourceIps')('[]')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
