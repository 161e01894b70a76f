import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { QueueSender } from '../../lambdas/core/ports';
import type { ProviderDefinition, RecoverySpec } from '../../lambdas/core/provider';
import { runRecovery } from '../../lambdas/core/recover/run-recovery';
import { addSummaries, type RunSummary } from '../../lambdas/core/sync/summary';
import { endpointOverrides } from '../../lambdas/handlers/shared/provider-clients';
import { providers } from '../../lambdas/providers';
import { FileSecretStore } from '../../local/secrets';
import { type CliIO, UsageError } from '../cli/main';
import { enqueueLocal } from '../ops/local-target';
import { dynamoFor, localSyncParts, runningStack } from './run-local';

/**
 * Recoveries of a provider on this machine, on demand: the running local stack's DynamoDB (checkpoints, gaps) and
 * webhook queue (its processor applies what comes back), the provider's simulator unless `<PROVIDER>_BASE_URL` is
 * set; logs to `<dataDir>/logs.jsonl`. It needs `npm start` running: the events go to its queue.
 *
 * @example
 * const summary = await recoverLocal(stripe, stripe.recover!, { from, to }, '.local', io, () => undefined);
 */
export async function recoverLocal(
  provider: ProviderDefinition,
  recoveries: readonly RecoverySpec[],
  range: { from: number; to: number } | undefined,
  dataDir: string,
  io: CliIO,
  onProgress: (s: Readonly<RunSummary>) => void,
): Promise<RunSummary> {
  mkdirSync(dataDir, { recursive: true });
  const running = runningStack(dataDir);
  if (!running?.adminUrl)
    throw new UsageError('--recover runs against the running local stack (npm start): its queue takes what comes back');
  const secrets = new FileSecretStore(join(dataDir, 'secrets.json'));
  secrets.ensure(providers);
  const [doc, closeDynamo] = await dynamoFor(dataDir, running);
  const endpoints = endpointOverrides(provider.name, io.env);
  const baseUrl = endpoints.baseUrl ?? running.simulators?.[provider.name];
  const { telemetry, client, state } = localSyncParts(provider, dataDir, doc, secrets, { ...endpoints, baseUrl });
  const adminUrl = running.adminUrl;
  // What comes back goes to the stack's webhook queue, as `npm run ops` puts messages there.
  const queue: QueueSender = { send: (message) => enqueueLocal(adminUrl, provider.name, [message]) };
  const deps = {
    client,
    state,
    queue,
    secrets,
    telemetry,
    now: Date.now,
    traceId: randomUUID(),
    newId: randomUUID,
    onProgress,
  };
  try {
    let total: RunSummary | undefined;
    for (const recovery of recoveries) {
      const summary = await runRecovery({ provider, recovery, range }, deps);
      total = total ? addSummaries(total, summary) : summary;
    }
    return total!;
  } finally {
    telemetry.flush();
    await closeDynamo();
  }
}
