import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '../core/ports';

/**
 * Secrets Manager name of a provider's secret: `<prefix>/<provider>/<name>`; the prefix is the stage (SECRET_PREFIX,
 * lib/stages.ts).
 */
export const secretName = (prefix: string, provider: string, name: string): string => `${prefix}/${provider}/${name}`;

/**
 * Secrets Manager through Powertools Parameters, cached for `maxAgeSeconds`, so a rotated value is picked up within
 * that time without a redeploy, or at once by `refresh` (the ingest calls it when a signature does not match).
 */
export class AwsSecretStore implements SecretStore {
  private readonly provider: SecretsProvider;

  constructor(
    private readonly prefix: string,
    opts: {
      client?: SecretsManagerClient;
      maxAgeSeconds?: number;
      minRefreshSeconds?: number;
      now?: () => number;
    } = {},
  ) {
    this.provider = new SecretsProvider(opts.client ? { awsSdkV3Client: opts.client } : {});
    this.maxAge = opts.maxAgeSeconds ?? 300;
    this.minRefreshMs = (opts.minRefreshSeconds ?? 60) * 1000;
    this.now = opts.now ?? Date.now;
  }

  private readonly maxAge: number;
  private readonly minRefreshMs: number;
  private readonly now: () => number;
  private readonly refreshedAt = new Map<string, number>();

  get(provider: string, name: string): Promise<string> {
    return this.read(provider, name, false);
  }

  /** Re-reads past the cache, at most once per `minRefreshSeconds` (default 60) per secret. */
  async refresh(provider: string, name: string): Promise<string | undefined> {
    const id = secretName(this.prefix, provider, name);
    const last = this.refreshedAt.get(id);
    if (last !== undefined && this.now() - last < this.minRefreshMs) return undefined;
    this.refreshedAt.set(id, this.now());
    return this.read(provider, name, true);
  }

  private async read(provider: string, name: string, forceFetch: boolean): Promise<string> {
    const id = secretName(this.prefix, provider, name);
    const value = await this.provider.get(id, { maxAge: this.maxAge, forceFetch }).catch((err: unknown) => {
      // Secrets Manager's messages do not say which secret; keep the error's name, which callers count as its kind.
      const cause = err instanceof Error ? err : new Error(String(err));
      throw Object.assign(new Error(`secret ${id}: ${cause.message}`, { cause }), { name: cause.name });
    });
    if (typeof value !== 'string' || value.length === 0) throw new Error(`secret ${id} has no string value`);
    return value;
  }
}
