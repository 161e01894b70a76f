import { S3Client } from '@aws-sdk/client-s3';
import { S3BlobStore } from './s3-blob-store';

/**
 * A blob store whose S3 client is built now, at init in Lambda: for a function that uses S3 on every batch (the
 * processor's archive). A module of its own, so a function that rarely does (s3BlobsOnFirstUse) never loads the
 * SDK at cold start.
 *
 * @example
 * const blobs = s3Blobs(process.env.BLOB_BUCKET!);
 */
export function s3Blobs(bucket: string): S3BlobStore {
  return new S3BlobStore(new S3Client({}), bucket);
}
