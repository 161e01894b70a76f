import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AwsServiceError, awsJsonClient, SQS } from '../../lambdas/adapters/aws-json';
import { secretWriter } from '../../lambdas/adapters/secret-writer';
import { type Moto, startSigningMoto } from '../helpers/moto';

// A real HTTP server scripted per test: what moto cannot do on demand (throttle, fail with a 503, then answer).
let server: Server;
let url: string;
let answers: { status: number; body: object; headers?: Record<string, string> }[] = [];
const seen: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const next = answers.shift() ?? { status: 200, body: {} };
      res.writeHead(next.status, { 'content-type': 'application/x-amz-json-1.0', ...next.headers });
      res.end(JSON.stringify(next.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  answers = [];
  seen.length = 0;
  vi.unstubAllEnvs();
});

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const throttled = { status: 400, body: { __type: 'com.amazonaws.sqs#ThrottlingException', message: 'slow down' } };

describe('awsJsonClient (SigV4 over node:http(s), the SDK standard retry strategy)', () => {
  it('posts the operation as X-Amz-Target JSON, signed with the credentials and the region', async () => {
    answers = [{ status: 200, body: { MessageId: 'm-1' } }];
    const call = awsJsonClient(SQS, { endpoint: url, region: 'eu-west-1', credentials });
    expect(await call('SendMessage', { QueueUrl: 'q', MessageBody: 'ü' })).toEqual({ MessageId: 'm-1' });
    const [{ headers, body }] = seen as [(typeof seen)[0]];
    expect(headers['x-amz-target']).toBe('AmazonSQS.SendMessage');
    expect(headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sqs\/aws4_request/,
    );
    expect(JSON.parse(body)).toEqual({ QueueUrl: 'q', MessageBody: 'ü' });
  });

  it('takes credentials, session token, region and endpoint from the environment as Lambda sets them', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'env-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'env-token');
    vi.stubEnv('AWS_REGION', 'ap-southeast-2');
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', url);
    await awsJsonClient(SQS)('SendMessage', {});
    expect(seen[0]!.headers['x-amz-security-token']).toBe('env-token');
    expect(seen[0]!.headers.authorization).toContain('Credential=ASIAENV/');
    expect(seen[0]!.headers.authorization).toContain('/ap-southeast-2/sqs/');
  });

  it('retries throttling and 5xx answers, up to 3 attempts in all', async () => {
    answers = [throttled, { status: 503, body: { __type: 'ServiceUnavailable' } }, { status: 200, body: { ok: 1 } }];
    const call = awsJsonClient(SQS, { endpoint: url, region: 'us-east-1', credentials });
    expect(await call('SendMessage', {})).toEqual({ ok: 1 });
    expect(seen).toHaveLength(3);
  });

  it('gives up after the third attempt with the service error, its code as name and its status', async () => {
    answers = [throttled, throttled, throttled, throttled];
    const call = awsJsonClient(SQS, { endpoint: url, region: 'us-east-1', credentials });
    const err = await call('SendMessage', {}).catch((e: unknown) => e as AwsServiceError);
    expect(err).toBeInstanceOf(AwsServiceError);
    expect(err).toMatchObject({ name: 'ThrottlingException', message: 'slow down', $fault: 'client' });
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 3 });
    expect(seen).toHaveLength(3);
  });

  it('does not retry a client error, and reads its code from the header when the body has none', async () => {
    answers = [{ status: 400, body: {}, headers: { 'x-amzn-errortype': 'QueueDoesNotExist:http://internal' } }];
    const call = awsJsonClient(SQS, { endpoint: url, region: 'us-east-1', credentials });
    await expect(call('SendMessage', {})).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    expect(seen).toHaveLength(1);
  });

  it('retries a reset connection (transient), 3 attempts in all, then fails with the network error', async () => {
    let connections = 0;
    // A server that takes each connection and drops it at once: every attempt ends in ECONNRESET.
    const dropping = createNetServer((socket) => {
      connections += 1;
      socket.resetAndDestroy();
    });
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const port = (dropping.address() as AddressInfo).port;
    try {
      const call = awsJsonClient(SQS, { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials });
      await expect(call('SendMessage', {})).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(connections).toBe(3);
    } finally {
      await new Promise<void>((resolve) => dropping.close(() => resolve()));
    }
  });

  it('fails without credentials in the environment, before any request', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    await expect(awsJsonClient(SQS, { endpoint: url })('SendMessage', {})).rejects.toMatchObject({
      name: 'CredentialsProviderError',
    });
    expect(seen).toHaveLength(0);
  });
});

describe('secretWriter (PutSecretValue through awsJsonClient)', () => {
  it('sends one ClientRequestToken per write, the same on a retry, so a retried write adds no second version', async () => {
    answers = [
      { status: 503, body: { __type: 'ServiceUnavailable' } },
      { status: 200, body: {} },
    ];
    const write = secretWriter('prod/github/webhookSourceIps', { endpoint: url, region: 'us-east-1', credentials });
    await write('["140.82.112.0/20"]');
    await write('["140.82.112.0/20"]');
    expect(seen.map((s) => s.headers['x-amz-target'])).toEqual(Array(3).fill('secretsmanager.PutSecretValue'));
    const [first, retry, next] = seen.map((s) => JSON.parse(s.body) as Record<string, string>);
    expect(first).toEqual({
      SecretId: 'prod/github/webhookSourceIps',
      SecretString: '["140.82.112.0/20"]',
      ClientRequestToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(retry!.ClientRequestToken).toBe(first!.ClientRequestToken);
    expect(next!.ClientRequestToken).not.toBe(first!.ClientRequestToken);
  });
});

describe('awsJsonClient against a moto that checks signatures as AWS does', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startSigningMoto();
  }, 60_000);
  afterAll(async () => moto?.stop());

  it('is accepted with the right secret and refused (403, not retried into success) with a wrong one', async () => {
    const config = { endpoint: moto.url, region: 'us-east-1' };
    const sqs = awsJsonClient(SQS, { ...config, credentials: moto.credentials });
    const { QueueUrl } = await sqs('CreateQueue', { QueueName: 'signed' });
    expect(await sqs('SendMessage', { QueueUrl, MessageBody: 'ü' })).toHaveProperty('MessageId');
    const forged = awsJsonClient(SQS, {
      ...config,
      credentials: { accessKeyId: moto.credentials.accessKeyId, secretAccessKey: 'wrong' },
    });
    await expect(forged('SendMessage', { QueueUrl, MessageBody: 'x' })).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
  });
});
