import { DynamoApiNoticeStore } from '../adapters/api-notice-store';
import { createDocumentClient, createDynamoClient } from '../adapters/dynamodb';
import { AwsSecretStore } from '../adapters/secrets';
import { apiNoticeRecorder, type ApiNoticeRecorder, type ApiNoticeStore } from '../core/api-notices';
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
  /** Where endpoints in use and deprecation notices go; default DynamoDB `API_NOTICES_TABLE` when set, else none. */
  notices?: ApiNoticeStore;
}

/** The endpoint overrides a provider's client takes from the environment. */
export function endpointOverrides(provider: string, env: Record<string, string | undefined> = process.env): { baseUrl?: string; tokenUrl?: string } {
  return { baseUrl: env[baseUrlEnv(provider)] || undefined, tokenUrl: env[tokenUrlEnv(provider)] || undefined };
}

const clients = new Map<string, Client>();
const recorders = new Set<ApiNoticeRecorder>();

function noticeStore(opts: ProviderClientOptions, env: Record<string, string | undefined>): ApiNoticeStore | undefined {
  if (opts.notices) return opts.notices;
  const table = env[ENV.apiNoticesTable];
  return table ? new DynamoApiNoticeStore(createDocumentClient(createDynamoClient()), table) : undefined;
}

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
  const store = noticeStore(opts, env);
  if (store) {
    const recorder = apiNoticeRecorder(store, {
      apiVersion: definition.apiVersion?.value,
      onError: (err) => opts.telemetry.log('warn', 'api notice not recorded', { third_party: definition.name, error_message: (err as Error).message }),
    });
    client.onEvent(recorder.listener);
    recorders.add(recorder);
  }
  clients.set(definition.name, client);
  return client;
}

/** Resolves when every endpoint and notice write started by any provider client has finished. */
export async function apiNoticesSettled(): Promise<void> {
  await Promise.all([...recorders].map((r) => r.settled()));
}

/** Forgets the cached clients (tests). */
export function resetProviderClients(): void {
  clients.clear();
  recorders.clear();
}
