/** Environment variable names: the CDK constructs set them, the handlers read them (data only). */
export const ENV = {
  provider: 'PROVIDER',
  queueUrl: 'QUEUE_URL',
  dlqUrl: 'DLQ_URL',
  secretPrefix: 'SECRET_PREFIX',
  namespace: 'METRICS_NAMESPACE',
  idempotencyTable: 'IDEMPOTENCY_TABLE',
  recordsTable: 'RECORDS_TABLE',
  maxReceiveCount: 'MAX_RECEIVE_COUNT',
  secretsMaxAge: 'SECRETS_MAX_AGE_SECONDS',
  /** The blob bucket (claim-checked payloads, event archive). */
  blobBucket: 'BLOB_BUCKET',
} as const;


/** CloudWatch namespace of every metric the stack emits. */
export const DEFAULT_NAMESPACE = 'IntegrationStack';
