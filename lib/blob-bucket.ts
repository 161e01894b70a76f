import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  type LifecycleRule,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { Construct } from 'constructs';
import { BLOB_PREFIX, DEFAULT_ARCHIVE_RETENTION_DAYS } from '../lambdas/core/blob-layout';
import { nagReference } from './acknowledgements';

export interface BlobBucketProps {
  /** Days archived events are kept for replay (default 7). */
  archiveRetentionDays?: number;
  /** Longest a claim-checked message can wait in its queue and then its DLQ (days). */
  maxMessageLifetimeDays: number;
  removalPolicy?: RemovalPolicy;
  /** Empty the bucket when it is removed (dev stages; needs removalPolicy DESTROY). */
  autoDeleteObjects?: boolean;
  /** S3 server access logs into a log bucket of its own, kept this many days; default none. */
  accessLogRetentionDays?: number;
  /** Keep overwritten and expired objects NONCURRENT_DAYS more days; default off. */
  versioned?: boolean;
}

/** Days a noncurrent version (an object overwritten, or expired by its lifecycle) stays recoverable. */
export const NONCURRENT_DAYS = 7;

/**
 * The bucket behind the BlobStore port: claim-checked payloads and the event archive.
 * SSE-S3 (no KMS request per object: KMS would add ~$3 per million webhooks), TLS only, no public
 * access, every object expires. Server access logs and versioning where the stage asks (prod).
 */
export class BlobBucket extends Construct {
  readonly bucket: Bucket;
  /** Where S3 writes the bucket's server access logs, when the stage keeps them. */
  readonly accessLogs?: Bucket;

  constructor(scope: Construct, id: string, props: BlobBucketProps) {
    super(scope, id);
    // Log delivery by bucket policy, as with ACLs off it must be (CDK's flag, set here whatever cdk.json says).
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const autoDeleteObjects = props.autoDeleteObjects ?? false;
    if (props.accessLogRetentionDays)
      this.accessLogs = accessLogBucket(this, props.accessLogRetentionDays, removalPolicy, autoDeleteObjects);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: props.versioned ?? false,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: this.accessLogs ? 'blobs/' : undefined,
      removalPolicy,
      autoDeleteObjects,
      lifecycleRules: blobLifecycle(props),
    });
    acknowledgeBlobBucket(this.bucket, props);
  }

  /** Lets `grantee` write claim-checked bodies of one provider only. */
  grantPutPayloads(grantee: IGrantable, provider: string): void {
    this.allow(grantee, ['s3:PutObject'], `${BLOB_PREFIX.payloads}${provider}/*`);
  }

  /** Lets `grantee` read claim-checked bodies of one provider only. */
  grantGetPayloads(grantee: IGrantable, provider: string): void {
    this.allow(grantee, ['s3:GetObject'], `${BLOB_PREFIX.payloads}${provider}/*`);
  }

  /** Lets `grantee` write the archive of one provider only. */
  grantPutArchive(grantee: IGrantable, provider: string): void {
    this.allow(grantee, ['s3:PutObject'], `${BLOB_PREFIX.archive}${provider}/*`);
  }

  private allow(grantee: IGrantable, actions: string[], keyPattern: string): void {
    const principal = grantee.grantPrincipal;
    principal.addToPrincipalPolicy(
      new PolicyStatement({ actions, resources: [this.bucket.arnForObjects(keyPattern)] }),
    );
    if ('node' in principal) {
      const role = principal as unknown as IConstruct;
      const bucketArn = nagReference(this.bucket.node.defaultChild as CfnBucket, 'Arn', role);
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketArn}>/${keyPattern}]`,
        reason: `Object keys are made per delivery, so the grant covers one provider's key prefix (${keyPattern}) and nothing else in the bucket.`,
      });
    }
  }
}

/** Every object expires; with versioning, noncurrent versions and the delete markers left behind do too. */
function blobLifecycle(props: BlobBucketProps): LifecycleRule[] {
  const archiveDays = props.archiveRetentionDays ?? DEFAULT_ARCHIVE_RETENTION_DAYS;
  return [
    { id: 'archive-retention', prefix: BLOB_PREFIX.archive, expiration: Duration.days(archiveDays) },
    // Archive lines and DLQ messages point at payloads: keep them as long as either can refer to one.
    {
      id: 'payload-expiry',
      prefix: BLOB_PREFIX.payloads,
      expiration: Duration.days(Math.max(archiveDays, props.maxMessageLifetimeDays) + 1),
    },
    { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ...(props.versioned
      ? [
          {
            id: 'noncurrent-versions',
            noncurrentVersionExpiration: Duration.days(NONCURRENT_DAYS),
            expiredObjectDeleteMarker: true,
          },
        ]
      : []),
  ];
}

/**
 * The blob bucket's server access log target: SSE-S3 (the only default encryption S3 log delivery supports), TLS
 * only, no public access, written by the S3 logging service alone (CDK's bucket policy for it), every log expiring.
 */
function accessLogBucket(scope: Construct, days: number, removalPolicy: RemovalPolicy, autoDelete: boolean): Bucket {
  const logs = new Bucket(scope, 'AccessLogs', {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy,
    autoDeleteObjects: autoDelete,
    lifecycleRules: [{ id: 'log-retention', expiration: Duration.days(days) }],
  });
  const v = Validations.of(logs);
  const isTarget =
    'This bucket is the server access log target of the blob bucket; logging it into itself would log every log delivery, and S3 writes each log object once.';
  v.acknowledge({ id: 'AwsSolutions-S1', reason: isTarget });
  v.acknowledge({ id: 'NIST.800.53.R5-S3BucketLoggingEnabled', reason: isTarget });
  v.acknowledge({
    id: 'NIST.800.53.R5-S3BucketVersioningEnabled',
    reason:
      'Log objects are written once by the S3 logging service, which alone may put here, and expire with the stage log retention; no role of this stack may overwrite or delete one.',
  });
  acknowledgeTransientCopies(logs);
  v.acknowledge({
    id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
    reason:
      "S3 server access log delivery supports only SSE-S3 (AES256) default encryption on the target bucket; a KMS default would stop the blob bucket's logs from arriving.",
  });
  return logs;
}

/** What the blob bucket's stage options leave true, and the choices that hold whatever the stage. */
function acknowledgeBlobBucket(bucket: Bucket, props: BlobBucketProps): void {
  const v = Validations.of(bucket);
  if (!props.accessLogRetentionDays) {
    const reason =
      "This stage keeps no server access logs of the blob bucket (lib/stages.ts `blobAccessLogs`, on in prod): it holds test deliveries, only this stack's function roles reach it (each one provider's key prefix, TLS only, public access blocked), and every object expires within days.";
    v.acknowledge({ id: 'AwsSolutions-S1', reason });
    v.acknowledge({ id: 'NIST.800.53.R5-S3BucketLoggingEnabled', reason });
  }
  if (!props.versioned)
    v.acknowledge({
      id: 'NIST.800.53.R5-S3BucketVersioningEnabled',
      reason:
        "This stage keeps no object versions (lib/stages.ts `blobVersioning`, on in prod): keys are unique per delivery and batch, no role may delete, and each provider's functions may put only under their own prefix.",
    });
  acknowledgeTransientCopies(bucket);
  v.acknowledge({
    id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
    reason:
      "SSE-S3 on purpose: a KMS key would add a KMS request per object (~$3 per million webhooks) and let no one read less, since every reader is one of this stack's roles, each limited to its provider's prefix.",
  });
}

/** Neither bucket is a system of record: it holds copies that expire within days. */
function acknowledgeTransientCopies(bucket: Bucket): void {
  Validations.of(bucket).acknowledge({
    id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
    reason:
      "Transient copies that expire within days (claim-checked bodies, the replay archive, access logs); the providers' own event logs, which recovery reads, are the source to rebuild from, so a replica bucket in a second region would only double the copies.",
  });
}
