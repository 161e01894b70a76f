import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { S3BlobStore } from '../lambdas/adapters/s3-blob-store';
import { AwsSecretStore, secretName } from '../lambdas/adapters/secrets';
import type { ListableBlobStore, SecretStore } from '../lambdas/core/ports';
import type { ProviderDefinition } from '../lambdas/core/provider';
import { SOURCE_IPS_SECRET } from '../lambdas/core/source-ips';
import type { FileSecretStore } from './secrets';

/** Where the local stack's blobs and secrets live when it runs them against an AWS API endpoint (moto, LocalStack). */
export const AWS_ENDPOINT_DEFAULTS = { bucket: 'webhooks-local-blobs', secretPrefix: 'local' };

export interface AwsEndpointOptions {
  /** e.g. `http://127.0.0.1:5000` (moto_server). */
  endpoint: string;
  /** The bucket for payloads and the archive, created at start if missing (default `webhooks-local-blobs`). */
  bucket?: string;
  /** Secrets are `<prefix>/<provider>/<name>`, as the stage's (default `local`). */
  secretPrefix?: string;
  /** Region and keys; default AWS_REGION / AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else us-east-1 and dummy keys. */
  env?: Record<string, string | undefined>;
}

export interface AwsEndpointParts {
  blobs: ListableBlobStore;
  secrets: SecretStore;
  /** A provider's source-IP allow list, read as the ingest reads it in AWS; none when the secret is missing. */
  sourceIps(provider: string): Promise<string | undefined>;
  bucket: string;
  secretPrefix: string;
}

/**
 * The real adapters (S3BlobStore, AwsSecretStore) against the endpoint: creates the bucket and copies every provider
 * secret from `.local/secrets.json` there (created, or a new version), so the local signers and demo still match.
 */
export async function awsEndpointParts(
  opts: AwsEndpointOptions,
  providers: readonly ProviderDefinition[],
  fileSecrets: FileSecretStore,
): Promise<AwsEndpointParts> {
  const env = opts.env ?? process.env;
  const config = {
    endpoint: opts.endpoint,
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'local',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'local',
      sessionToken: env.AWS_SESSION_TOKEN,
    },
  };
  const bucket = opts.bucket ?? AWS_ENDPOINT_DEFAULTS.bucket;
  const secretPrefix = opts.secretPrefix ?? AWS_ENDPOINT_DEFAULTS.secretPrefix;
  // Path-style: a bucket as a subdomain of 127.0.0.1 or localhost does not resolve.
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sm = new SecretsManagerClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: unknown) => {
    if ((err as Error).name !== 'BucketAlreadyOwnedByYou') throw err;
  });
  const values = fileSecrets.read();
  for (const p of providers)
    for (const name of p.secrets) await copySecret(sm, secretName(secretPrefix, p.name, name), values[p.name]![name]!);
  // Read back on each request after the first minute, as the ingest does in AWS (AwsSecretStore's default TTL).
  const secrets = new AwsSecretStore(secretPrefix, { ...config, maxAgeSeconds: 60 });
  return {
    blobs: new S3BlobStore(s3, bucket),
    secrets,
    sourceIps: (provider) => secrets.get(provider, SOURCE_IPS_SECRET).catch(() => undefined),
    bucket,
    secretPrefix,
  };
}

async function copySecret(sm: SecretsManagerClient, name: string, value: string): Promise<void> {
  try {
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  } catch (err) {
    if ((err as Error).name !== 'ResourceExistsException') throw err;
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
  }
}
