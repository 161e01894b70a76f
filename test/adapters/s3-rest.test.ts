import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RestBlobs } from '../../lambdas/adapters/s3-rest';
import { archiveKey } from '../../lambdas/core/archive';
import { type Moto, startSigningMoto } from '../helpers/moto';

// moto checking signatures as S3 does: a request our signer got wrong is refused (SignatureDoesNotMatch), not stored.
let moto: Moto;
let sdk: S3Client;
const BUCKET = 'rest-blobs';

beforeAll(async () => {
  moto = await startSigningMoto();
  sdk = new S3Client({ endpoint: moto.url, region: 'us-east-1', credentials: moto.credentials, forcePathStyle: true });
  await sdk.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);
afterAll(async () => {
  sdk?.destroy();
  await moto?.stop();
});

const blobs = (credentials = moto.credentials) =>
  new S3RestBlobs(BUCKET, { endpoint: moto.url, region: 'us-east-1', credentials });

describe('S3RestBlobs (PutObject and GetObject over S3 REST, SigV4 as S3 signs), on a signature-checking moto', () => {
  it('puts and gets the keys the stack writes, binary and multi-MB bodies intact, readable by the SDK client', async () => {
    const archive = archiveKey('github', Date.parse('2024-05-01T10:00:00Z'), '0b7c1a52-5f0e-4b43-9a61-3c1d2e5f6a7b');
    const big = Buffer.alloc(3 * 1024 * 1024, 0xfe);
    await blobs().put(archive, big, { contentType: 'application/gzip' });
    await blobs().put('payloads/github/2024-05-01/delivery-1', 'ü body');
    expect((await blobs().get(archive)).equals(big)).toBe(true);
    const viaSdk = await sdk.send(new GetObjectCommand({ Bucket: BUCKET, Key: archive }));
    expect(viaSdk.ContentType).toBe('application/gzip');
    expect(Buffer.from(await viaSdk.Body!.transformToByteArray()).equals(big)).toBe(true);
    await sdk.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'payloads/slack/2024-05-01/x y', Body: 'from sdk' }));
    expect((await blobs().get('payloads/slack/2024-05-01/x y')).toString()).toBe('from sdk');
    expect((await blobs().get('payloads/github/2024-05-01/delivery-1')).toString()).toBe('ü body');
  });

  it('answers a missing key with a permanent error (no retry can bring it back)', async () => {
    await expect(blobs().get('payloads/github/none')).rejects.toMatchObject({
      kind: 'permanent',
      message: expect.stringContaining('does not exist'),
    });
  });

  it('is refused, with S3 error code and status, when signed with the wrong secret', async () => {
    const wrong = blobs({ accessKeyId: moto.credentials.accessKeyId, secretAccessKey: 'not-the-secret' });
    await expect(wrong.put('payloads/github/forged', 'x')).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      $metadata: { httpStatusCode: 403 },
    });
  });
});

describe('S3RestBlobs addressing, against a recording server', () => {
  let server: Server;
  const seen: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];
  let answers: { status: number; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers });
      req.resume();
      const answer = answers.shift() ?? { status: 200, body: '' };
      req.on('end', () => res.writeHead(answer.status).end(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const at = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

  it('escapes each key segment as the SDK does and signs the payload hash S3 requires', async () => {
    const key = "a b/ü+#?/q'(*)!~.txt";
    await new S3RestBlobs('bkt', { endpoint: at(), region: 'eu-west-1', credentials }).put(key, 'x');
    const sdkClient = new S3Client({ endpoint: at(), region: 'eu-west-1', credentials, forcePathStyle: true });
    await sdkClient.send(new PutObjectCommand({ Bucket: 'bkt', Key: key, Body: 'x' }));
    sdkClient.destroy();
    const [ours, theirs] = seen.slice(-2);
    // The SDK adds `?x-id=PutObject`, a query S3 ignores; the path is what the signature covers.
    expect(ours!.url).toBe(theirs!.url!.split('?')[0]);
    expect(ours!.headers['x-amz-content-sha256']).toBe(
      '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881', // sha256("x")
    );
    expect(ours!.headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request/);
  });

  it('retries a 503 SlowDown as the SDK does, then succeeds', async () => {
    const slowDown = '<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>';
    answers = [
      { status: 503, body: slowDown },
      { status: 200, body: 'ok' },
    ];
    const store = new S3RestBlobs('bkt', { endpoint: at(), region: 'eu-west-1', credentials });
    const before = seen.length;
    expect((await store.get('payloads/x')).toString()).toBe('ok');
    expect(seen.length - before).toBe(2);
  });
});
