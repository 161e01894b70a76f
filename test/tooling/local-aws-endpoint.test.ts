import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/local/main';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store';
import { readArchive } from '../../lambdas/core/archive';
import { github, sampleGithubIssue } from '../../lambdas/providers/github';
import { AWS_ENDPOINT_DEFAULTS } from '../../local/aws-endpoint';
import { signAs } from '../../local/sign';
import type { LocalStack } from '../../local/stack';
import { runCli } from '../helpers/cli';
import { testStack, until } from '../helpers/local-stack';
import { type Moto, startMoto } from '../helpers/moto';

const BUCKET = `local-blobs-${process.pid}`;
let moto: Moto;
let stack: LocalStack;
let close: () => Promise<void>;
let sm: SecretsManagerClient;
let s3Blobs: S3BlobStore;

beforeAll(async () => {
  moto = await startMoto();
  const env = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
  ({ stack, close } = await testStack({ providers: [github], aws: { endpoint: moto.url, bucket: BUCKET, env } }));
  const config = { endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials };
  sm = new SecretsManagerClient(config);
  s3Blobs = new S3BlobStore(new S3Client({ ...config, forcePathStyle: true }), BUCKET);
}, 60_000);
afterAll(async () => {
  await close?.();
  sm?.destroy();
  await moto?.stop();
});

async function post(secret: string, number: number) {
  const body = JSON.stringify(sampleGithubIssue({ number }));
  const signed = signAs('github', body, secret, { headers: { 'x-github-event': 'issues' } });
  const res = await fetch(`${stack.url}/webhooks/github`, { method: 'POST', headers: signed.headers, body });
  return { status: res.status, deliveryId: signed.headers['x-github-delivery'] };
}

describe('the local stack with `aws` (npm start -- --aws-endpoint URL), against moto', () => {
  it('verifies with the secret it reads from Secrets Manager and archives to S3', async () => {
    const name = `${AWS_ENDPOINT_DEFAULTS.secretPrefix}/github/webhookSecret`;
    // Copied from .local/secrets.json at start; changed in moto before the first request reads it.
    const copied = (await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
    expect(copied).toBe(await stack.secrets.get('github', 'webhookSecret'));
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'only-in-moto-0123456789' }));

    const accepted = await post('only-in-moto-0123456789', 7);
    expect(accepted.status).toBe(200);
    expect((await post(copied!, 8)).status).toBe(401);
    await stack.drained();
    const from = new Date(Date.now() - 60_000);
    const to = new Date(Date.now() + 60_000);
    const archived = await until(async () => {
      const entries = await readArchive(s3Blobs, 'github', from, to);
      return entries.find((e) => e.eventId === accepted.deliveryId);
    }, 'the archive in moto');
    expect(archived.provider).toBe('github');
    expect((await s3Blobs.list('archive/github/')).length).toBeGreaterThan(0);
    expect(await stack.records.get('github', 'issue', 'Codertocat/Hello-World#7')).toBeDefined();
  });

  it('refuses a --aws-endpoint that is not a URL (exit 2, usage)', async () => {
    const run = await runCli(main, ['--aws-endpoint', 'localhost:5000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--aws-endpoint must be an http(s) URL');
  });
});
