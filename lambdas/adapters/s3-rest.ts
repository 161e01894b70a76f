import type { IncomingMessage } from 'node:http';
import { IntegrationError } from '../core/errors';
import type { BlobStore } from '../core/ports';
import { serviceHost } from './aws-endpoints';
import { type AwsEndpointConfig, AwsServiceError, regionOf, retrier, sendSigned } from './aws-json';

// S3 allows objects far larger than a JSON call: a multi-MB body gets more than aws-json's 5 s default.
const S3_TIMEOUT_MS = 30_000;

/** RFC 3986 escaping of each path segment, as S3's canonical URI expects ('/' kept, `!'()*` escaped too). */
const escapeKey = (key: string): string =>
  key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');

/**
 * The object's URL: path-style on an endpoint override (moto, the local stack) or a bucket name with dots (TLS),
 * else virtual-hosted (`<bucket>.s3.<region>.amazonaws.com`), as the SDK addresses it.
 */
function objectUrl(bucket: string, key: string, config: AwsEndpointConfig): URL {
  const override = config.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  if (override) return new URL(`${override.replace(/\/$/, '')}/${bucket}/${escapeKey(key)}`);
  const host = serviceHost('s3', regionOf(config));
  if (bucket.includes('.')) return new URL(`https://${host}/${bucket}/${escapeKey(key)}`);
  return new URL(`https://${bucket}.${host}/${escapeKey(key)}`);
}

/** S3's XML error (`<Code>`, `<Message>`) as the SDK names it; a body-less answer (HEAD, some 5xx) by its status. */
function s3Error(status: number, body: Buffer, res: IncomingMessage): AwsServiceError {
  const xml = body.toString('utf8');
  const code = /<Code>([^<]+)<\/Code>/.exec(xml)?.[1] ?? (status === 404 ? 'NotFound' : `Http${status}`);
  return new AwsServiceError(code, /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? code, status, res);
}

/**
 * The blob store's put and get on one bucket over S3's REST API: signed with the SDK's SigV4 signer as S3 wants it,
 * retried by the SDK's standard strategy. What the event processor uses on every batch (its archive) and for claimed
 * bodies: the SDK's S3 client is ~300 KB a cold start would parse for these two calls. Listing stays on the SDK's
 * client (S3BlobStore), used by tools.
 *
 * @example
 * const blobs = new S3RestBlobs(process.env.BLOB_BUCKET!);
 * await blobs.put('archive/github/2024/05/01/x.json.gz', body, { contentType: 'application/gzip' });
 */
export class S3RestBlobs implements BlobStore {
  private readonly retry = retrier();

  constructor(
    private readonly bucket: string,
    private readonly config: AwsEndpointConfig = {},
  ) {}

  async put(key: string, body: Buffer | string, opts: { contentType?: string } = {}): Promise<void> {
    const headers: Record<string, string> = opts.contentType ? { 'content-type': opts.contentType } : {};
    await this.call('PutObject', key, 'PUT', headers, body);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await this.call('GetObject', key, 'GET', {});
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey')
        throw new IntegrationError('permanent', `blob ${key} does not exist (expired or never written)`);
      throw err;
    }
  }

  private call(
    operation: string,
    key: string,
    method: 'GET' | 'PUT',
    headers: Record<string, string>,
    body?: Buffer | string,
  ): Promise<Buffer> {
    const url = objectUrl(this.bucket, key, this.config);
    return this.retry(operation, async () => {
      const req = { signingName: 's3', config: this.config, url, method, headers, body, s3: true };
      const { res, body: answer } = await sendSigned({ ...req, timeoutMs: S3_TIMEOUT_MS });
      const status = res.statusCode ?? 0;
      if (status >= 300) throw s3Error(status, answer, res);
      return answer;
    });
  }
}
