import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { ProviderDefinition, ProviderSecrets } from './shared-parts';
import type { StageSettings } from './stage-settings';

/** Why provider secrets have no rotation schedule (cdk-nag SMG4). */
const THIRD_PARTY_SECRET =
  "Issued by the third party (API keys, OAuth client secrets, webhook signing secrets): no rotation Lambda can mint a new value. Rotated by hand at the provider (README, 'Secrets'): signing secrets accept several values during the switch, and functions read a new value within the cache TTL.";

/**
 * One empty secret per name in `provider.secrets`, named `<stage>/<provider>/<name>` (ids `Secret-<provider>-<name>`);
 * values are set after deploy.
 *
 * @example
 * const secrets = providerSecrets(stack, github, stage, RemovalPolicy.RETAIN);
 * secrets.webhookSecret.grantRead(ingestFn);
 */
export function providerSecrets(
  scope: Construct,
  provider: ProviderDefinition,
  stage: StageSettings,
  removalPolicy: RemovalPolicy,
): ProviderSecrets {
  const secrets: ProviderSecrets = {};
  for (const name of provider.secrets) {
    secrets[name] = new Secret(scope, `Secret-${provider.name}-${name}`, {
      secretName: stage.secretName(provider.name, name),
      description: `${provider.displayName} ${name}: set its value after deploy (README, "Secrets")`,
      removalPolicy,
    });
    Validations.of(secrets[name]).acknowledge({ id: 'AwsSolutions-SMG4', reason: THIRD_PARTY_SECRET });
  }
  return secrets;
}
