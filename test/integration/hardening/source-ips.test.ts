import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretWriter } from '../../../lambdas/adapters/secret-writer';
import { AwsSecretStore } from '../../../lambdas/adapters/secrets';
import { ingest } from '../../../lambdas/core/ingest';
import { compileSourceIps, parseSourceIps, SOURCE_IPS_SECRET } from '../../../lambdas/core/source-ips';
import { refreshSourceIps } from '../../../lambdas/core/source-ips-refresh';
import { github, sampleGithubIssue } from '../../../lambdas/providers/github';
import { stripe } from '../../../lambdas/providers/stripe';
import { signAs } from '../../../local/sign';
import type { LocalStack } from '../../../local/stack';
import type { LogCapture } from '../../helpers/log-capture';
import { testStack } from '../../helpers/local-stack';
import { MemoryQueue, RecordingTelemetry } from '../../helpers/memory';
import { type Moto, startMoto } from '../../helpers/moto';

// The shapes GitHub's GET /meta and Stripe's ips_webhooks.json document (research notes, #16 point 10).
const GITHUB_META = {
  verifiable_password_authentication: false,
  hooks: [
    '192.30.252.0/22',
    '185.199.108.0/22',
    '140.82.112.0/20',
    '143.55.64.0/20',
    '2a0a:a440::/29',
    '2606:50c0::/32',
  ],
  web: ['192.30.252.0/22'],
};
const STRIPE_IPS = { WEBHOOKS: ['3.18.12.63', '3.130.192.231', '13.235.14.237', '13.235.122.149'] };

describe('source-IP allow lists: parsing and lookups', () => {
  it('matches IPv4 and IPv6 ranges and single addresses, and IPv4-mapped IPv6 addresses', () => {
    const list = compileSourceIps([...GITHUB_META.hooks, ...STRIPE_IPS.WEBHOOKS]);
    for (const ip of [
      '140.82.115.1',
      '192.30.255.254',
      '2a0a:a440::1',
      '2606:50c0:8000::153',
      '3.18.12.63',
      '::ffff:140.82.115.1',
    ])
      expect(list.allows(ip), ip).toBe(true);
    for (const ip of ['140.82.128.1', '3.18.12.64', '2a0b::1', '127.0.0.1', 'not-an-ip', undefined])
      expect(list.allows(ip), String(ip)).toBe(false);
  });

  it('enforces only a real list: a placeholder, an empty list or a bad entry is no list', () => {
    expect(parseSourceIps('["140.82.112.0/20"]')).toEqual(['140.82.112.0/20']);
    expect(parseSourceIps('{"ranges":["3.18.12.63"],"source":"x"}')).toEqual(['3.18.12.63']);
    for (const v of ['x7Hq2placeholder', '[]', '["140.82.112.0/33"]', '["140.82.112.0/20","example.com"]', '{}'])
      expect(parseSourceIps(v), v).toBeUndefined();
  });
});

describe('the published lists, refreshed into the secret the ingest reads (Secrets Manager on moto)', () => {
  let moto: Moto;
  let client: SecretsManagerClient;
  let server: Server;
  let base = '';
  const served: Record<string, unknown> = { '/meta': GITHUB_META, '/files/ips/ips_webhooks.json': STRIPE_IPS };

  beforeAll(async () => {
    moto = await startMoto();
    client = new SecretsManagerClient({
      endpoint: moto.url,
      region: 'us-east-1',
      credentials: moto.credentials,
      maxAttempts: 1,
    });
    server = createServer((req, res) => {
      const doc = served[req.url ?? ''];
      res
        .writeHead(doc === undefined ? 503 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify(doc ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
    server?.close();
  });

  /** Sets a secret's value as a deploy or an operator would: created the first time, a new version after. */
  const set = (name: string, value: string) =>
    client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value })).catch((err: unknown) => {
      if (!(err instanceof ResourceNotFoundException)) throw err;
      return client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    });
  const value = async (name: string) => (await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;

  const deps = (secretId: string) => ({
    fetch,
    write: secretWriter(secretId, { endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials }),
    now: () => new Date('2026-01-02T03:04:05Z'),
    telemetry: new RecordingTelemetry(),
  });

  it("writes GitHub's hooks and Stripe's WEBHOOKS; the ingest then refuses others (403) before any signature work", async () => {
    await set('prod/github/webhookSourceIps', 'placeholder-from-deploy');
    const source = { ...github.webhook!.publishedSourceIps!, url: `${base}/meta` };
    expect(await refreshSourceIps('github', source, deps('prod/github/webhookSourceIps'))).toEqual({ ranges: 6 });
    expect(JSON.parse(String(await value('prod/github/webhookSourceIps')))).toEqual({
      ranges: GITHUB_META.hooks,
      source: `${base}/meta`,
      fetchedAt: '2026-01-02T03:04:05.000Z',
    });
    await set('prod/stripe/webhookSourceIps', 'placeholder-from-deploy');
    const stripeSource = { ...stripe.webhook!.publishedSourceIps!, url: `${base}/files/ips/ips_webhooks.json` };
    expect((await refreshSourceIps('stripe', stripeSource, deps('prod/stripe/webhookSourceIps'))).ranges).toBe(4);

    const store = new AwsSecretStore('prod', {
      endpoint: moto.url,
      region: 'us-east-1',
      credentials: moto.credentials,
    });
    const reads: string[] = [];
    const secrets = { get: (p: string, n: string) => (reads.push(`${p}/${n}`), store.get(p, n)) };
    const telemetry = new RecordingTelemetry();
    const queue = new MemoryQueue();
    const call = (sourceIp: string) =>
      ingest(
        { provider: 'github', method: 'POST', headers: {}, rawBody: Buffer.from('{}'), sourceIp },
        {
          registry: (p) => (p === 'github' ? github : undefined),
          secrets,
          sourceIps: (p) => secrets.get(p, SOURCE_IPS_SECRET),
          queueFor: () => queue,
          telemetry,
          now: () => new Date(),
          newId: () => 'id',
        },
      );
    expect((await call('203.0.113.9')).statusCode).toBe(403);
    // Inside the list the request goes on to the signature check (no secret here: 503), never to 403.
    expect((await call('140.82.115.1')).statusCode).not.toBe(403);
    expect(telemetry.count('WebhooksSourceRefused', { provider: 'github', operation: 'webhook' })).toBe(1);
    // The refused request never reads the signing secret.
    expect(reads.filter((r) => r === 'github/webhookSecret')).toHaveLength(1);
  });

  it('keeps the last good list when the published one is unreachable or not a list', async () => {
    await set('prod/github/webhookSourceIps', '["140.82.112.0/20"]');
    const down = { url: `${base}/nowhere`, field: 'hooks' };
    await expect(refreshSourceIps('github', down, deps('prod/github/webhookSourceIps'))).rejects.toThrow(/503/);
    const wrongField = { url: `${base}/meta`, field: 'verifiable_password_authentication' };
    await expect(refreshSourceIps('github', wrongField, deps('prod/github/webhookSourceIps'))).rejects.toThrow(
      /not a list/,
    );
    expect(await value('prod/github/webhookSourceIps')).toBe('["140.82.112.0/20"]');
  });
});

describe('the local stack honours an allow list, with the forwarded source IP its gateway sets', () => {
  let stack: LocalStack;
  let logs: LogCapture;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ stack, logs, close } = await testStack({ providers: [github, stripe], trustForwardedFor: true }));
    stack.secrets.put('github', SOURCE_IPS_SECRET, JSON.stringify({ ranges: GITHUB_META.hooks }));
  });
  afterAll(async () => close());

  async function post(provider: 'github' | 'stripe', from: string, signed = true) {
    const body = JSON.stringify(sampleGithubIssue({ number: 5 }));
    const secret = await stack.secrets.get(provider, 'webhookSecret');
    const headers = signed ? signAs(provider, body, secret, { headers: { 'x-github-event': 'issues' } }).headers : {};
    const res = await fetch(`${stack.url}/webhooks/${provider}`, {
      method: 'POST',
      headers: { ...headers, 'x-forwarded-for': from },
      body,
    });
    return { status: res.status, body: await res.text() };
  }

  it('refuses a caller outside the list with 403, counted, before the signature (even unsigned)', async () => {
    expect(await post('github', '203.0.113.9')).toEqual({ status: 403, body: '{"error":"forbidden_source"}' });
    expect((await post('github', '203.0.113.9', false)).status).toBe(403);
    expect(logs.metric('WebhooksSourceRefused', { provider: 'github', operation: 'webhook' })).toBe(2);
    expect(
      logs.metric('SignatureRejected', { provider: 'github', operation: 'webhook', reason: 'missing_header' }),
    ).toBe(0);
  });

  it('accepts GitHub from its published ranges, IPv4 and IPv6, and leaves providers without a list alone', async () => {
    expect((await post('github', '140.82.115.1')).status).toBe(200);
    expect((await post('github', '2a0a:a440::17')).status).toBe(200);
    expect((await post('github', '10.0.0.1, 140.82.115.1')).status).toBe(200);
    expect((await post('github', '140.82.115.1', false)).status).toBe(401);
    expect((await post('stripe', '203.0.113.9', false)).status).toBe(401);
  });
});
