import { randomUUID } from 'node:crypto';
import { type AwsEndpointConfig, awsJsonClient, SECRETS_MANAGER } from './aws-json';

/**
 * A writer of one secret's value (PutSecretValue: a new version, AWSCURRENT), through aws-json.ts as every Lambda's
 * AWS call: what a function that maintains a value, such as a source-IP allow list, needs, and nothing more
 * (`secretsmanager:PutSecretValue` on that secret). Each write carries its own ClientRequestToken, as the SDK sends
 * one, so a retried attempt cannot add a second version.
 *
 * @example
 * const write = secretWriter(process.env.SOURCE_IPS_SECRET_ID!);
 * await write('["192.30.252.0/22"]');
 */
export function secretWriter(secretId: string, config: AwsEndpointConfig = {}): (value: string) => Promise<void> {
  const call = awsJsonClient(SECRETS_MANAGER, config);
  return async (value) => {
    await call('PutSecretValue', { SecretId: secretId, SecretString: value, ClientRequestToken: randomUUID() });
  };
}
