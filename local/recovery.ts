import { DynamoSyncState } from '../lambdas/adapters/sync-state';
import { PowertoolsTelemetry } from '../lambdas/adapters/telemetry';
import { createClient, realTime, telemetryObserver, type Client } from '../lambdas/core/client';
import { DEFAULT_NAMESPACE } from '../lambdas/core/env-contract';
import type { BlobStore, QueueSender, SecretStore } from '../lambdas/core/ports';
import type { ProviderDefinition } from '../lambdas/core/provider';
import { secretValues } from '../lambdas/core/secret-values';
import { TABLES } from '../lambdas/core/tables';
import { endpointOverrides } from '../lambdas/handlers/shared/provider-clients';
import { createRecoveryHandler, type RecoveryEvent, type RecoveryHandler } from '../lambdas/handlers/recovery';
import type { LocalDynamo } from './dynamo';
import { LocalQueue } from './queue';
import { LocalScheduler, rateMs } from './scheduler';
import type { ProviderSimulator } from './simulators/base';
import { GithubSimulator } from './simulators/github';
import type { WebhookSender } from './simulators/sender';
import { ShopifySimulator } from './simulators/shopify';
import type { StripeSimulator } from './simulators/stripe';
import type { Timeline } from './simulators/timeline';
import type { TrelloSimulator } from './simulators/trello';

/** Where each recovering provider's simulator serves the client's base URL (the API's path prefix). */
export const RECOVERY_BASE_PATHS: Record<string, string> = {
  stripe: '/v1',
  github: '',
  trello: '',
  shopify: '/admin/api',
};

export interface LocalRecoveryOptions {
  /** How often each recovery runs (default: its rate, at most every 60 s). */
  everyMs?: number;
  /** Start the schedules (default true); tests and the drill invoke `scheduler.invoke` themselves. */
  autoStart?: boolean;
  /** The simulated providers' clock and schedule (default real time). */
  timeline?: Timeline;
}

/** The simulators recovery talks to, each a webhook sender too. */
export interface RecoverySimulators {
  stripe?: StripeSimulator;
  trello?: TrelloSimulator;
  github?: GithubSimulator;
  shopify?: ShopifySimulator;
}

export interface LocalRecovery {
  simulators: RecoverySimulators;
  /** The client's base URL per provider (the simulator's, or `<PROVIDER>_BASE_URL`). */
  baseUrls: Record<string, string>;
  scheduler: LocalScheduler<RecoveryEvent>;
  /** Failed runs, as Lambda's on-failure records (the CDK stack's scheduler DLQ of each recovery). */
  dlq: LocalQueue;
  handler: RecoveryHandler;
  clients: Record<string, Client>;
  /** Points every simulator's webhook sender at the stack (once it listens). */
  sendTo(stackUrl: string): void;
  stop(): Promise<void>;
}

export interface RecoveryDepsLocal {
  providers: readonly ProviderDefinition[];
  dynamo: LocalDynamo;
  secrets: SecretStore;
  sink: (line: string) => void;
  queueFor(provider: string): QueueSender | undefined;
  blobs?: BlobStore;
  /** Simulators already running (the writes' Stripe and Trello), reused so recovery sees what writes did. */
  running: { stripe?: StripeSimulator; trello?: TrelloSimulator };
  env?: Record<string, string | undefined>;
  /** A recovery run that threw (it goes to the DLQ too): the monitor counts it as the function's error. */
  onError?(event: RecoveryEvent, err: unknown): void;
}

/** The GitHub and Shopify simulators (Stripe's and Trello's come from writes), unless a base URL is set. */
async function startSimulators(deps: RecoveryDepsLocal, opts: LocalRecoveryOptions): Promise<RecoverySimulators> {
  const env = deps.env ?? process.env;
  const sims: RecoverySimulators = { ...deps.running };
  const wanted = (name: string) =>
    deps.providers.some((p) => p.name === name && p.recover?.length) && !endpointOverrides(name, env).baseUrl;
  if (wanted('github'))
    sims.github = new GithubSimulator({ token: await deps.secrets.get('github', 'token'), timeline: opts.timeline });
  if (wanted('shopify'))
    sims.shopify = new ShopifySimulator({
      accessToken: await deps.secrets.get('shopify', 'accessToken'),
      shopDomain: `${(await deps.secrets.get('shopify', 'shop')).trim()}.myshopify.com`,
      timeline: opts.timeline,
    });
  for (const sim of [sims.github, sims.shopify]) if (sim) await sim.listen();
  return sims;
}

/** The scheduler invoking the recovery handler per recovery, failed runs to its DLQ (the CDK stack's scheduler DLQ). */
function recoverySchedule(
  withRecovery: readonly ProviderDefinition[],
  handler: RecoveryHandler,
  opts: LocalRecoveryOptions,
  onError?: RecoveryDepsLocal['onError'],
) {
  const dlq = new LocalQueue({ name: 'recovery-scheduler-dlq', visibilityTimeoutMs: 30_000 });
  const scheduler = new LocalScheduler<RecoveryEvent>(handler, {
    functionName: 'recovery',
    timeoutMs: 300_000,
    dlq,
    onError,
  });
  for (const provider of withRecovery)
    for (const recovery of provider.recover ?? []) {
      const everyMs = opts.everyMs ?? Math.min(rateMs(recovery.schedule) ?? 60_000, 60_000);
      scheduler.add({ provider: provider.name, recovery: recovery.name }, everyMs);
    }
  return { scheduler, dlq };
}

/**
 * Missed-webhook recovery on the local stack: per provider with `recover`, a client against its simulator (which is
 * also its webhook sender, pointed at the stack by `sendTo`), the same recovery handler module Lambda runs, feeding
 * the provider's local webhook queue, and a local scheduler that invokes it as EventBridge Scheduler would.
 *
 * @example
 * const recovery = await startLocalRecovery({ providers, dynamo, secrets, sink, queueFor, running: writes.simulators }, { autoStart: false });
 * recovery.sendTo(stack.url);
 * await recovery.scheduler.invoke({ provider: 'stripe', recovery: 'events' });
 */
export async function startLocalRecovery(
  deps: RecoveryDepsLocal,
  opts: LocalRecoveryOptions = {},
): Promise<LocalRecovery> {
  const withRecovery = deps.providers.filter((p) => (p.recover?.length ?? 0) > 0);
  const telemetry = new PowertoolsTelemetry({ serviceName: 'recovery', namespace: DEFAULT_NAMESPACE, sink: deps.sink });
  const simulators = await startSimulators(deps, opts);
  const baseUrls: Record<string, string> = {};
  const clients: Record<string, Client> = {};
  for (const provider of withRecovery) {
    const over = endpointOverrides(provider.name, deps.env ?? process.env);
    const sim = simulators[provider.name as keyof RecoverySimulators] as ProviderSimulator | undefined;
    const baseUrl = over.baseUrl ?? (sim ? `${sim.url}${RECOVERY_BASE_PATHS[provider.name] ?? ''}` : undefined);
    if (baseUrl) baseUrls[provider.name] = baseUrl;
    const onEvent = telemetryObserver(telemetry);
    clients[provider.name] = createClient({
      definition: provider,
      secrets: deps.secrets,
      time: realTime,
      baseUrl,
      onEvent,
    });
  }
  const handler = createRecoveryHandler({
    registry: (name) => withRecovery.find((p) => p.name === name),
    clientFor: (definition) => clients[definition.name]!,
    state: new DynamoSyncState(deps.dynamo.doc, {
      checkpoints: TABLES.checkpoints.name,
      gaps: TABLES.gaps.name,
      quarantine: TABLES.quarantine.name,
    }),
    queueFor: deps.queueFor,
    blobs: deps.blobs,
    secrets: deps.secrets,
    telemetry,
    now: opts.timeline ? () => opts.timeline!.now() : Date.now,
    flush: () => telemetry.flush(),
  });
  const { scheduler, dlq } = recoverySchedule(withRecovery, handler, opts, deps.onError);
  if (opts.autoStart ?? true) scheduler.start();
  const started = [simulators.github, simulators.shopify].filter((s): s is NonNullable<typeof s> => s !== undefined);
  return {
    simulators,
    baseUrls,
    scheduler,
    dlq,
    handler,
    clients,
    sendTo: (stackUrl) => pointSenders(simulators, deps, stackUrl),
    stop: async () => {
      await scheduler.stop();
      await Promise.all(started.map((s) => s.close()));
    },
  };
}

/** Every simulator's webhook sender posts to the stack's route for its provider, signed with the stack's secret. */
function pointSenders(sims: RecoverySimulators, deps: RecoveryDepsLocal, stackUrl: string): void {
  const senders: [string, WebhookSender | undefined][] = [
    ['stripe', sims.stripe?.events.sender],
    ['github', sims.github?.sender],
    ['trello', sims.trello?.sender],
    ['shopify', sims.shopify?.sender],
  ];
  for (const [name, sender] of senders) {
    const webhook = deps.providers.find((p) => p.name === name)?.webhook;
    if (!sender || !webhook) continue;
    sender.target = {
      url: `${stackUrl}/webhooks/${name}`,
      scheme: webhook.scheme,
      hmac: webhook.hmac,
      // The current secret: the first of a rotation list.
      secret: async () => secretValues(await deps.secrets.get(name, webhook.secret))[0] ?? '',
    };
  }
}
