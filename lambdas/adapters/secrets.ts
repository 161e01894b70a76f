import type { SecretStore } from '../core/ports';
import { type AwsEndpointConfig, awsJsonClient, SECRETS_MANAGER } from './aws-json';

/**
 * Secrets Manager name of a provider's secret: `<prefix>/<provider>/<name>`; the prefix is the stage (SECRET_PREFIX,
 * lib/stages.ts).
 */
export const secretName = (prefix: string, provider: string, name: string): string => `${prefix}/${provider}/${name}`;

/**
 * Secrets Manager's GetSecretValue (through aws-json.ts), each value cached for `maxAgeSeconds`, so a rotated value is
 * picked up within that time without a redeploy, or at once by `refresh` (the ingest calls it when a signature does
 * not match). Powertools Parameters did this caching, but only over the SDK's Secrets Manager client, whose module
 * scope cost the ingest more cold start than all its own code.
 *
 * @example
 * const secrets = new AwsSecretStore('prod', { maxAgeSeconds: 300 });
 * const signingSecret = await secrets.get('github', 'webhookSecret');
 */
export class AwsSecretStore implements SecretStore {
  private readonly call: ReturnType<typeof awsJsonClient>;
  private readonly maxAgeMs: number;
  private readonly minRefreshMs: number;
  private readonly now: () => number;
  // Promises, so concurrent first reads of one secret share one call; a failed read is dropped, not cached.
  private readonly cache = new Map<string, { value: Promise<string>; expires: number }>();
  private readonly refreshedAt = new Map<string, number>();

  constructor(
    private readonly prefix: string,
    opts: AwsEndpointConfig & { maxAgeSeconds?: number; minRefreshSeconds?: number; now?: () => number } = {},
  ) {
    this.call = awsJsonClient(SECRETS_MANAGER, opts);
    this.maxAgeMs = (opts.maxAgeSeconds ?? 300) * 1000;
    this.minRefreshMs = (opts.minRefreshSeconds ?? 60) * 1000;
    this.now = opts.now ?? (() => Date.now());
  }

  get(provider: string, name: string): Promise<string> {
    const id = secretName(this.prefix, provider, name);
    const cached = this.cache.get(id);
    if (cached && cached.expires > this.now()) return cached.value;
    return this.load(id);
  }

  /** Re-reads past the cache, at most once per `minRefreshSeconds` (default 60) per secret. */
  async refresh(provider: string, name: string): Promise<string | undefined> {
    const id = secretName(this.prefix, provider, name);
    const last = this.refreshedAt.get(id);
    if (last !== undefined && this.now() - last < this.minRefreshMs) return undefined;
    this.refreshedAt.set(id, this.now());
    return this.load(id);
  }

  private load(id: string): Promise<string> {
    const value = this.read(id);
    this.cache.set(id, { value, expires: this.now() + this.maxAgeMs });
    value.catch(() => this.cache.get(id)?.value === value && this.cache.delete(id));
    return value;
  }

  private async read(id: string): Promise<string> {
    const out = await this.call('GetSecretValue', { SecretId: id }).catch((err: unknown) => {
      // Secrets Manager's messages do not say which secret; keep the error's name, which callers count as its kind.
      const cause = err instanceof Error ? err : new Error(String(err));
      throw Object.assign(new Error(`secret ${id}: ${cause.message}`, { cause }), { name: cause.name });
    });
    const value = out.SecretString;
    if (typeof value !== 'string' || value.length === 0) throw new Error(`secret ${id} has no string value`);
    return value;
  }
}
