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
  externalIdsTable: 'EXTERNAL_IDS_TABLE',
  commandsTable: 'COMMANDS_TABLE',
  /** Where the outbound client records endpoints in use and their deprecation notices (`npm run ops -- versions`). */
  apiNoticesTable: 'API_NOTICES_TABLE',
  /** Where the outbound client records its circuit breaker's transitions (`npm run ops -- circuit`). */
  circuitsTable: 'CIRCUITS_TABLE',
  checkpointsTable: 'CHECKPOINTS_TABLE',
  gapsTable: 'GAPS_TABLE',
  quarantineTable: 'QUARANTINE_TABLE',
  /** The stage's change bus (EventBridge): where the change publisher puts change events. */
  changeBus: 'CHANGE_BUS',
  /**
   * The records API's catalogue of every provider's polls (name and type), as JSON (recordPollsOf at synth): compiled
   * into its bundle (an esbuild define, lib/records-api.ts); tests of the wired handler set it in the environment.
   */
  recordPolls: 'RECORD_POLLS',
  /** The route a route function runs, as JSON (checked at synth time). */
  route: 'ROUTE',
  /** The secret name of the provider's source-IP allow list; set only where a stage switches it on. */
  sourceIpsSecret: 'SOURCE_IPS_SECRET',
  /** The full id of that secret, for the function that refreshes it from the provider's published list. */
  sourceIpsSecretId: 'SOURCE_IPS_SECRET_ID',
} as const;

/**
 * The secret of a provider's webhook source-IP allow list (`<stage>/<provider>/webhookSourceIps`): CDK and ingest share
 * it.
 */
export const SOURCE_IPS_SECRET = 'webhookSourceIps';

/** CloudWatch namespace of every metric the stack emits. */
export const DEFAULT_NAMESPACE = 'IntegrationStack';

const envPrefix = (provider: string): string => provider.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/** `<PROVIDER>_BASE_URL`: overrides a provider's base URL (sandboxes, simulators, tests). */
export const baseUrlEnv = (provider: string): string => `${envPrefix(provider)}_BASE_URL`;

/** `<PROVIDER>_TOKEN_URL`: overrides an OAuth provider's token endpoint when it is not on the API's origin. */
export const tokenUrlEnv = (provider: string): string => `${envPrefix(provider)}_TOKEN_URL`;
/** The constant `service` dimension on every EMF document, so alarms see one metric per provider and operation. */
export const METRICS_SERVICE = 'integration-stack';
