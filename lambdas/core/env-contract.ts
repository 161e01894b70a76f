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
} as const;


/** CloudWatch namespace of every metric the stack emits. */
export const DEFAULT_NAMESPACE = 'IntegrationStack';

/** The constant `service` dimension on every EMF document, so alarms see one metric per provider and operation. */
export const METRICS_SERVICE = 'integration-stack';
