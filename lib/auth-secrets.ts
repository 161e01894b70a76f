import { Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ProviderDefinition, SyncSource } from '../lambdas/core/provider';

/**
 * The secrets a provider's outbound client reads: its credentials and any `{name}` in its base URL.
 * Functions that call the provider are granted these and no others (never the webhook signing secret).
 *
 * @example
 * clientSecretNames(trello) // ['apiKey', 'token']
 */
export function clientSecretNames(def: ProviderDefinition): string[] {
  const auth = def.auth;
  const names =
    auth.kind === 'bearer' || auth.kind === 'apiKey'
      ? [auth.secret]
      : auth.kind === 'apiKeys'
        ? auth.keys.map((k) => k.secret)
        : auth.kind === 'oauth2-client-credentials'
          ? [auth.clientIdSecret, auth.clientSecretSecret]
          : [];
  const placeholders = [...def.baseUrl.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!);
  return [...new Set([...names, ...placeholders])];
}

/**
 * The secrets that list the targets of polls or recoveries run per target (Trello's `boards`, GitHub's `hooks`).
 *
 * @example
 * targetSecretNames(github.recover!) // ['hooks']
 */
export function targetSecretNames(sources: readonly Pick<SyncSource, 'targets'>[]): string[] {
  return [...new Set(sources.flatMap((s) => (s.targets ? [s.targets.secret] : [])))];
}

/**
 * Grants `grantee` read of the named secrets of a provider, and of no other; a name the provider did not
 * declare is a synth error.
 *
 * @example
 * grantSecretReads(poller, football, secrets, clientSecretNames(football));
 */
export function grantSecretReads(
  grantee: IGrantable,
  def: ProviderDefinition,
  secrets: Record<string, ISecret>,
  names: readonly string[],
): void {
  for (const name of names) {
    const secret = secrets[name];
    if (!secret) throw new Error(`${def.name}: secret ${name} is not declared in secrets`);
    grantSecretRead(secret, grantee);
  }
}

/**
 * `secret.grantRead(grantee)`; for a grantee in another stack than the secret or its key (a provider's nested stack
 * reading a secret or key of the base), the same actions on the grantee's policy alone: CDK would also name the
 * grantee's role in the key's policy, and the base's key reading a role of a nested stack that reads the base is a
 * dependency cycle. The key policy trusts the account's IAM policies, so the grantee's own policy suffices.
 *
 * @example
 * grantSecretRead(secrets.webhookSecret, ingestFn);
 */
export function grantSecretRead(secret: ISecret, grantee: IGrantable): void {
  const key = secret.encryptionKey;
  const here = 'node' in grantee ? Stack.of(grantee as never) : undefined;
  if (!here || (here === Stack.of(secret) && (!key || here === Stack.of(key)))) {
    secret.grantRead(grantee);
    return;
  }
  const actions = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
  Grant.addToPrincipal({ grantee, actions, resourceArns: [secret.secretArn] });
  if (!key) return;
  const viaService = { 'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com` };
  Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt'],
    resourceArns: [key.keyArn],
    conditions: { StringEquals: viaService },
  });
}
