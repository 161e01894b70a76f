import { AwsSecretStore } from '../adapters/secrets';
import { createClient, realTime, telemetryObserver, type Client } from '../core/client';
import { baseUrlEnv, ENV, tokenUrlEnv } from '../core/env-contract';
import type { SecretStore, Telemetry } from '../core/ports';
import type { ProviderDefinition } from '../providers/types';
import { required } from './wiring';

export interface ProviderClientOptions {
  telemetry: Telemetry;
  /** Default: Secrets Manager under `SECRET_PREFIX`, cached for `SECRETS_MAX_AGE_SECONDS` (300). */
  secrets?: SecretStore;
  /** Default: process.env (the local stack passes its own). */
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
}

/** The endpoint overrides a provider's client takes from the environment. */
export function endpointOverrides(provider: string, env: Record<string, string | undefined> = process.env): { baseUrl?: string; tokenUrl?: string } {
  return { baseUrl: env[baseUrlEnv(provider)] || undefined, tokenUrl: env[tokenUrlEnv(provider)] || undefined };
}

const clients = new Map<string, Client>();

/**
 * The outbound client of one provider for a handler: `<PROVIDER>_BASE_URL` / `<PROVIDER>_TOKEN_URL`
 * from the environment, secrets from Secrets Manager, events to the function's telemetry.
 * One client per provider per process, so a warm Lambda keeps its token, bucket and breaker.
 *
 * @example
 * const telemetry = awsTelemetry('poller');
 * const client = providerClient(getProvider('github')!, { telemetry });
 * const res = await client.request({ path: '/repos/o/r/issues' }, { traceId, remainingMs: () => context.getRemainingTimeInMillis() });
 */
export function providerClient(definition: ProviderDefinition, opts: ProviderClientOptions): Client {
  const cached = clients.get(definition.name);
  if (cached) return cached;
  const env = opts.env ?? process.env;
  const secrets =
    opts.secrets ?? new AwsSecretStore(env[ENV.secretPrefix] ?? required(ENV.secretPrefix), { maxAgeSeconds: Number(env[ENV.secretsMaxAge] ?? 300) });
  const client = createClient({
    definition,
    secrets,
    time: realTime,
    fetch: opts.fetch,
    ...endpointOverrides(definition.name, env),
    onEvent: telemetryObserver(opts.telemetry),
  });
  clients.set(definition.name, client);
  return client;
}

/** Forgets the cached clients (tests). */
export function resetProviderClients(): void {
  clients.clear();
}
