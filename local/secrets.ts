import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecretStore } from '../lambdas/core/ports';
import type { ProviderDefinition } from '../lambdas/core/provider';
import { TRELLO_SEED } from './simulators/trello';

export type SecretsFile = Record<string, Record<string, string>>;

/** Values that name things the simulators hold (the seeded board, GitHub's example hook and shop), not secrets. */
const SIMULATED_TARGETS: Record<string, Record<string, string>> = {
  trello: { boards: TRELLO_SEED.board },
  github: { hooks: 'Codertocat/Hello-World/292430182' },
  shopify: { shop: 'johns-apparel' },
};

/**
 * True for a development value that names something a simulator holds: public in the samples (the shop's domain is in
 * every Shopify delivery), so log checks for leaked secrets skip it.
 *
 * @example
 * isSimulatedTarget('johns-apparel') // true
 */
export const isSimulatedTarget = (value: string): boolean =>
  Object.values(SIMULATED_TARGETS).some((targets) => Object.values(targets).includes(value));

/** A development value shaped like the provider's real secrets (Standard Webhooks wants `whsec_<base64>`). */
export function devSecret(provider: ProviderDefinition, name: string): string {
  // Not a URL, so the ingest verifies against the URL each request came to; put the real callbackURL here to pin it.
  if (provider.webhook?.callbackUrlSecret === name) return 'auto';
  const target = SIMULATED_TARGETS[provider.name]?.[name];
  if (target) return target;
  const bytes = randomBytes(24);
  if (provider.webhook?.secret === name && provider.webhook.scheme === 'standard-webhooks')
    return `whsec_${bytes.toString('base64')}`;
  return bytes.toString('hex');
}

/**
 * `.local/secrets.json`: `{ "<provider>": { "<name>": "<value>" } }`. Created with random development
 * values on first run; re-read when it changes, so editing it rotates a secret like Secrets Manager does.
 */
export class FileSecretStore implements SecretStore {
  private cache?: { at: number; data: SecretsFile };

  constructor(
    private readonly path: string,
    private readonly maxAgeMs = 1000,
  ) {}

  /** Makes sure every provider secret has a value; keeps existing ones. */
  ensure(providers: readonly ProviderDefinition[]): void {
    const data: SecretsFile = existsSync(this.path) ? (JSON.parse(readFileSync(this.path, 'utf8')) as SecretsFile) : {};
    let changed = !existsSync(this.path);
    for (const p of providers) {
      const entry = data[p.name] ?? {};
      data[p.name] = entry;
      for (const name of p.secrets) {
        if (!entry[name]) {
          entry[name] = devSecret(p, name);
          changed = true;
        }
      }
    }
    if (changed) {
      mkdirSync(dirname(this.path), { recursive: true });
      writeFileSync(this.path, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    }
    this.cache = undefined;
  }

  /** Sets one value (as editing the file does): rotations and callback URLs in tests and tools. */
  put(provider: string, name: string, value: string): void {
    const data = JSON.parse(readFileSync(this.path, 'utf8')) as SecretsFile;
    data[provider] = { ...data[provider], [name]: value };
    writeFileSync(this.path, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    this.cache = undefined;
  }

  read(): SecretsFile {
    if (this.cache && Date.now() - this.cache.at < this.maxAgeMs) return this.cache.data;
    const data = JSON.parse(readFileSync(this.path, 'utf8')) as SecretsFile;
    this.cache = { at: Date.now(), data };
    return data;
  }

  async get(provider: string, name: string): Promise<string> {
    const value = this.read()[provider]?.[name];
    if (!value) throw new Error(`secret ${provider}/${name} is not in the local secrets file`);
    return value;
  }
}
