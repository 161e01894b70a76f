import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ProviderDefinition } from '../lambdas/core/provider';
import type { BlobBucket } from './blob-bucket';
import type { Observability } from './observability/observability';
import type { StackTables } from './stack-tables';

// Re-exported so lib/ files name the provider definition without its module's path.
export type { ProviderDefinition };

/** A provider's secrets by the names its definition declares. */
export type ProviderSecrets = Record<string, ISecret>;

/**
 * What every provider's integrations use and no provider owns, made once per stage. Integrations take it as a
 * prop and reach for nothing else of the stack, so a provider's constructs can be built in another stack.
 */
export interface SharedParts {
  api: HttpApi;
  tables: StackTables;
  /** Claim-checked payloads and the event archive. */
  blobs: BlobBucket;
  /** On-call topic, alarm factory and dashboard; each integration adds its provider's part. */
  observability: Observability;
  /** CloudWatch namespace of the stage's metrics. */
  namespace: string;
  /** Secrets Manager names start with it: `<prefix>/<provider>/<name>`. */
  secretPrefix: string;
  /** The stage's customer managed key for secrets (`secretsKmsKey`), when it has one. */
  secretsKey?: IKey;
}

/** What one provider's integration takes: its definition, its secrets and the shared parts. */
export interface ProviderIntegrationProps {
  provider: ProviderDefinition;
  secrets: ProviderSecrets;
  shared: SharedParts;
}
