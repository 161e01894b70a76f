import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { IntegrationError } from '../core/errors';
import type { ListableBlobStore } from '../core/ports';

/**
 * The blob store on one S3 bucket through the SDK's S3 client, listing too: for tools (`ops replay`, the local stack's
 * AWS endpoint mode). Lambda handlers, which only put and get, use S3RestBlobs (s3-rest.ts) without the SDK.
 *
 * @example
 * const blobs = new S3BlobStore(new S3Client({}), process.env.BLOB_BUCKET!);
 * await blobs.list('archive/github/2024/05/01/');
 */
export class S3BlobStore implements ListableBlobStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: Buffer | string, opts: { contentType?: string } = {}): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: opts.contentType }),
    );
  }

  async get(key: string): Promise<Buffer> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!res.Body) throw new IntegrationError('permanent', `blob ${key} has no body`);
      return Buffer.from(await res.Body.transformToByteArray());
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string })?.name === 'NoSuchKey') {
        throw new IntegrationError('permanent', `blob ${key} does not exist (expired or never written)`);
      }
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }
}
