import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * Writes one secret's value (a new version, AWSCURRENT): what a function that maintains a value, such as a source-IP
 * allow list, needs, and nothing more (`secretsmanager:PutSecretValue` on that secret).
 *
 * @example
 * await putSecretValue('prod/github/webhookSourceIps', '{"ranges":["192.30.252.0/22"]}');
 */
export async function putSecretValue(
  secretId: string,
  value: string,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): Promise<void> {
  await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
}

/**
 * A writer of one secret, its SDK client made on first use.
 *
 * @example
 * const write = secretWriter(process.env.SOURCE_IPS_SECRET_ID!);
 * await write('["192.30.252.0/22"]');
 */
export function secretWriter(secretId: string): (value: string) => Promise<void> {
  let client: SecretsManagerClient | undefined;
  return (value) => {
    client ??= new SecretsManagerClient({});
    return putSecretValue(secretId, value, client);
  };
}
