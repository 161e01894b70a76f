import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { Construct } from 'constructs';
import { BLOB_PREFIX, DEFAULT_ARCHIVE_RETENTION_DAYS } from '../lambdas/core/blob-layout';

export interface BlobBucketProps {
  /** Days archived events are kept for replay (default 7). */
  archiveRetentionDays?: number;
  /** Longest a claim-checked message can wait in its queue and then its DLQ (days). */
  maxMessageLifetimeDays: number;
  removalPolicy?: RemovalPolicy;
  /** Empty the bucket when it is removed (dev stages; needs removalPolicy DESTROY). */
  autoDeleteObjects?: boolean;
}

/**
 * The bucket behind the BlobStore port: claim-checked payloads and the event archive.
 * SSE-S3 (no KMS request per object: KMS would add ~$3 per million webhooks), TLS only, no public
 * access, every object expires. Server access logs are off: only the stack's own roles touch it,
 * and CloudTrail data events are the audit trail where one is needed (a log bucket per stack adds
 * cost and a second bucket to secure).
 */
export class BlobBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: BlobBucketProps) {
    super(scope, id);
    const archiveDays = props.archiveRetentionDays ?? DEFAULT_ARCHIVE_RETENTION_DAYS;
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      autoDeleteObjects: props.autoDeleteObjects ?? false,
      lifecycleRules: [
        { id: 'archive-retention', prefix: BLOB_PREFIX.archive, expiration: Duration.days(archiveDays) },
        // Archive lines and DLQ messages point at payloads: keep them as long as either can refer to one.
        {
          id: 'payload-expiry',
          prefix: BLOB_PREFIX.payloads,
          expiration: Duration.days(Math.max(archiveDays, props.maxMessageLifetimeDays) + 1),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        "No server access logs: only this stack's function roles reach the bucket (each one provider's key prefix, TLS only, public access blocked); CloudTrail S3 data events are the audit trail where one is required, without a second bucket per stack to secure.",
    });
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
    // cdk-nag names the finding by the bucket's logical id, as it renders the resource.
    const bucketId = Stack.of(this).resolve((this.bucket.node.defaultChild as CfnBucket).logicalId) as string;
    if ('node' in principal) {
      Validations.of(principal as unknown as IConstruct).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${keyPattern}]`,
        reason: `Object keys are made per delivery, so the grant covers one provider's key prefix (${keyPattern}) and nothing else in the bucket.`,
      });
    }
  }
}
