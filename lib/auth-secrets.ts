import type { IGrantable } from 'aws-cdk-lib/aws-iam';
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
    secret.grantRead(grantee);
  }
}
