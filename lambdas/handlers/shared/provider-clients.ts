import { DynamoEndpointSightings } from '../../adapters/api-notice-store';
import { DynamoCircuitTransitions } from '../../adapters/circuit-store';
import type { DocumentClient } from '../../adapters/document';
import { JsonDocumentClient } from '../../adapters/dynamodb-json';
import { AwsSecretStore } from '../../adapters/secrets';
import { apiNoticeRecorder, type EndpointSightings } from '../../core/api-notice-recorder';
import { circuitRecorder, type CircuitTransitions } from '../../core/circuit-recorder';
import {
  createClient,
  createRequestClient,
  OAuthTokens,
  realTime,
  telemetryObserver,
  type Client,
  type ClientDeps,
  type ClientListener,
  type RequestClient,
} from '../../core/client';
import { baseUrlEnv, ENV, tokenUrlEnv } from '../../core/env-contract';
import type { SecretStore, Telemetry } from '../../core/ports';
import type { ProviderDefinition } from '../../core/provider';
import { required } from './lambda-init';

export interface ProviderClientOptions {
  telemetry: Telemetry;
  /** Default: Secrets Manager under `SECRET_PREFIX`, cached for `SECRETS_MAX_AGE_SECONDS` (300). */
  secrets?: SecretStore;
  /** Default: process.env (the local stack passes its own). */
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  /** Where endpoints in use and deprecation notices go; default DynamoDB `API_NOTICES_TABLE` when set, else none. */
  notices?: EndpointSightings;
  /** Where breaker transitions go; default DynamoDB `CIRCUITS_TABLE` when set, else none. */
  circuits?: CircuitTransitions;
  /** The function's own DynamoDB client, for those defaults (else one more client, and connection, per process). */
  doc?: DocumentClient;
}

/** The endpoint overrides a provider's client takes from the environment. */
export function endpointOverrides(
  provider: string,
  env: Record<string, string | undefined> = process.env,
): { baseUrl?: string; tokenUrl?: string } {
  return { baseUrl: env[baseUrlEnv(provider)] || undefined, tokenUrl: env[tokenUrlEnv(provider)] || undefined };
}

const clients = new Map<string, RequestClient>();
const recorders = new Set<{ settled(): Promise<void> }>();

// A one-provider bundle has its provider's auth kind defined (lib/lambda-function.ts): the OAuth token code goes only
// where it is used. Spelled out as providers/index.ts does, so esbuild folds it; unset (local stack, tests): OAuth.
const oauthTokens: ClientDeps['oauthTokens'] =
  (process.env.BUNDLED_AUTH ?? 'oauth2-client-credentials') === 'oauth2-client-credentials'
    ? (o) => new OAuthTokens(o)
    : undefined;

// One document client for both default stores when the caller gave none: one client, and connection, per process.
// Built on first use, not at init (lambda-init's `once`): every handler passes its own `doc`.
let sharedDoc: DocumentClient | undefined;
const defaultDoc = (): DocumentClient => (sharedDoc ??= new JsonDocumentClient());

/** The store given, else one on the table the environment names, else none. */
function tableStore<S>(
  given: S | undefined,
  table: string | undefined,
  opts: ProviderClientOptions,
  build: (doc: DocumentClient, table: string) => S,
): S | undefined {
  if (given) return given;
  return table ? build(opts.doc ?? defaultDoc(), table) : undefined;
}

/** Feeds the client's events to a recorder whose writes `apiNoticesSettled` waits for; a failed write is a warning. */
function attach(
  client: RequestClient,
  opts: ProviderClientOptions,
  what: string,
  make: (onError: (err: unknown) => void) => { listener: ClientListener; settled(): Promise<void> },
): void {
  const recorder = make((err) =>
    opts.telemetry.log('warn', `${what} not recorded`, {
      third_party: client.definition.name,
      error_message: (err as Error).message,
    }),
  );
  client.onEvent(recorder.listener);
  recorders.add(recorder);
}

/** Records endpoints in use and deprecation notices (`ops versions`), and breaker transitions (`ops circuit`). */
function recordEvents(client: RequestClient, opts: ProviderClientOptions, env: Record<string, string | undefined>) {
  const definition = client.definition;
  const notices = tableStore(opts.notices, env[ENV.apiNoticesTable], opts, (d, t) => new DynamoEndpointSightings(d, t));
  if (notices)
    attach(client, opts, 'api notice', (onError) =>
      apiNoticeRecorder(notices, { apiVersion: definition.apiVersion?.value, onError }),
    );
  const circuits = tableStore(
    opts.circuits,
    env[ENV.circuitsTable],
    opts,
    (d, t) => new DynamoCircuitTransitions(d, t),
  );
  if (circuits)
    attach(client, opts, 'circuit transition', (onError) =>
      circuitRecorder(circuits, {
        // The function's name in Lambda: breakers live per instance, and any instance's last word is what ops shows.
        source: env.AWS_LAMBDA_FUNCTION_NAME ?? `${definition.name}-client`,
        halfOpenAfterMs: definition.circuitBreaker?.halfOpenAfterMs,
        onError,
      }),
    );
}

/** One client per provider and kind per process, built by `create` and wired to the environment. */
function wired<C extends RequestClient>(
  kind: 'full' | 'request',
  definition: ProviderDefinition,
  opts: ProviderClientOptions,
  create: (deps: ClientDeps) => C,
): C {
  const key = `${kind} ${definition.name}`;
  const cached = clients.get(key);
  if (cached) return cached as C;
  const env = opts.env ?? process.env;
  const secrets =
    opts.secrets ??
    new AwsSecretStore(env[ENV.secretPrefix] ?? required(ENV.secretPrefix), {
      maxAgeSeconds: Number(env[ENV.secretsMaxAge] ?? 300),
    });
  const client = create({
    definition,
    secrets,
    time: realTime,
    fetch: opts.fetch,
    ...endpointOverrides(definition.name, env),
    onEvent: telemetryObserver(opts.telemetry),
    oauthTokens,
  });
  recordEvents(client, opts, env);
  clients.set(key, client);
  return client;
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
  return wired('full', definition, opts, createClient);
}

/**
 * providerClient without pagination, for a handler that never lists (the command writer): a smaller bundle.
 * Cached apart from providerClient's; a handler uses one or the other.
 *
 * @example
 * const client = providerRequestClient(getProvider('stripe')!, { telemetry: awsTelemetry('command-writer') });
 * const res = await client.request({ method: 'POST', path: '/v1/customers', form: { email }, idempotencyKey }, { traceId });
 */
export function providerRequestClient(definition: ProviderDefinition, opts: ProviderClientOptions): RequestClient {
  return wired('request', definition, opts, createRequestClient);
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
