import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { ProviderDefinition, ProviderSecrets } from './shared-parts';
import type { StageSettings } from './stage-settings';

/** Why provider secrets have no rotation schedule (cdk-nag SMG4, NIST SecretsManagerRotationEnabled). */
const THIRD_PARTY_SECRET =
  "Issued by the third party (API keys, OAuth client secrets, webhook signing secrets): no rotation Lambda can mint a new value. Rotated by hand at the provider (docs/security.md, 'Rotating a secret'): signing secrets accept several values during the switch, and functions read a new value within the cache TTL.";

/** Why a stage without `secretsKmsKey` keeps the account's key for secrets. */
const AWS_MANAGED_KEY =
  "This stage's secrets use the account's aws/secretsmanager key (lib/stages.ts `secretsKmsKey` is off: dev and staging hold test credentials); prod turns on a customer managed key so that GetSecretValue on '*' alone cannot read them.";

/**
 * One empty secret per name in `provider.secrets`, named `<stage>/<provider>/<name>` (ids `Secret-<provider>-<name>`),
 * encrypted with `encryptionKey` when given (the stage's `secretsKmsKey`); values are set after deploy.
 *
 * @example
 * const secrets = providerSecrets(stack, github, stage, RemovalPolicy.RETAIN, secretsKey);
 * secrets.webhookSecret.grantRead(ingestFn); // and kms:Decrypt on the key, through Secrets Manager only
 */
export function providerSecrets(
  scope: Construct,
  provider: ProviderDefinition,
  stage: StageSettings,
  removalPolicy: RemovalPolicy,
  encryptionKey?: IKey,
): ProviderSecrets {
  const secrets: ProviderSecrets = {};
  for (const name of provider.secrets) {
    const secret = new Secret(scope, `Secret-${provider.name}-${name}`, {
      secretName: stage.secretName(provider.name, name),
      description: `${provider.displayName} ${name}: set its value after deploy (README, "Secrets")`,
      removalPolicy,
      encryptionKey,
    });
    acknowledgeSecret(secret, THIRD_PARTY_SECRET, encryptionKey);
    secrets[name] = secret;
  }
  return secrets;
}

/**
 * Why a secret has no rotation schedule (cdk-nag SMG4, NIST rotation), and, without the stage's key, why the
 * account's key holds (NIST SecretsManagerUsingKMSKey).
 *
 * @example
 * acknowledgeSecret(secret, 'Not a credential: a list of addresses', stageKey);
 */
export function acknowledgeSecret(secret: Secret, noRotation: string, encryptionKey?: IKey): void {
  const v = Validations.of(secret);
  v.acknowledge({ id: 'AwsSolutions-SMG4', reason: noRotation });
  v.acknowledge({ id: 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason: noRotation });
  if (!encryptionKey) v.acknowledge({ id: 'NIST.800.53.R5-SecretsManagerUsingKMSKey', reason: AWS_MANAGED_KEY });
}
