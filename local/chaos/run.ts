import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretValues } from '../../lambdas/core/secret-values';
import { TABLES } from '../../lambdas/core/tables';
import { providers as allProviders } from '../../lambdas/providers';
import type { ProviderDefinition } from '../../lambdas/providers/types';
import { FootballSimulator } from '../simulators/football';
import type { SecretsFile } from '../secrets';
import { startLocalStack, type LocalStack } from '../stack';
import { planBackfill, runBackfill, type BackfillOutcome } from './backfill';
import { injectDynamoFaults, type DynamoFaultStats } from './dynamo-faults';
import { seeded, type Rng } from './random';
import { sendWebhooks } from './send-webhooks';
import { readFaults, scheduleFaults, writeFaults, type FaultSchedule } from './sim-faults';
import { passed, verify, type ChaosDetails, type ChaosFigures } from './verify';
import { planWebhooks } from './webhook-plan';
import { webhookSenders } from './webhook-payloads';
import { planWrites, resourcesByRef, sendCommands } from './writes';

export interface ChaosOptions {
  seed: number;
  /** Distinct valid webhook events (poison, duplicates and forged deliveries come on top). */
  events: number;
  /** Write commands (Stripe customers and Trello cards). */
  writes: number;
  /** Backfill pages, at least (whole days of fixtures). */
  pages: number;
  /** Webhook deliveries in flight at once. */
  concurrency?: number;
  /** Deliveries over 10 MB. */
  oversized?: number;
  /** How long before the end of the tolerance replayed originals are signed (the run waits for it at the end). */
  replayMarginMs?: number;
  /** Share of DynamoDB write attempts that fail and are retried by the SDK. */
  dynamoFailRate?: number;
  /** Share of DynamoDB writes that fail past the SDK's retries. */
  dynamoSurfacedRate?: number;
  /** Processor crashes mid-batch. */
  crashes?: number;
  /** SQS visibility timeout; the processor's timeout is below it, as AWS requires. */
  visibilityTimeoutMs?: number;
  /** Gives up waiting for the queues to drain after this long (the figures then show what is missing). */
  drainTimeoutMs?: number;
  onProgress?(line: string): void;
}

export interface ChaosResult {
  figures: ChaosFigures;
  details: ChaosDetails;
  pass: boolean;
  durationMs: number;
  /** What was injected and how the parts fared, for the report. */
  stats: {
    deliveries: Record<string, number>;
    outOfOrderEntities: number;
    dynamo: DynamoFaultStats;
    crashesObserved: number;
    simulatorFaults: Record<string, Record<string, number>>;
    backfill: BackfillOutcome & { plannedPages: number; days: number };
    commands: { sent: number; accepted: number };
  };
  /** Every line the stack logged. */
  logLines: string[];
}

const TOLERANCE_MS = 300_000;
const PAGE_SIZE = 4;
const INVALID_EVERY = 13;

/** Development secrets from the seed, shaped like each provider's (the standard scheme wants `whsec_<base64>`). */
function seededSecrets(rng: Rng, providers: readonly ProviderDefinition[]): SecretsFile {
  const file: SecretsFile = {};
  for (const p of providers) {
    file[p.name] = Object.fromEntries(
      p.secrets.map((name) => {
        if (p.webhook?.callbackUrlSecret === name) return [name, 'auto'];
        const hex = rng.hex(48);
        return [
          name,
          p.webhook?.secret === name && p.webhook.scheme === 'standard-webhooks'
            ? `whsec_${Buffer.from(hex, 'hex').toString('base64')}`
            : hex,
        ];
      }),
    );
  }
  return file;
}

/**
 * Time scaled for a run of minutes: attempts time out after 1 s instead of 8, breakers probe after 1 s
 * instead of 30, and the backfill's client may go 50 requests/s against the simulator.
 */
function chaosDefinitions(): ProviderDefinition[] {
  return allProviders.map((p) => {
    if (!p.polls && !p.writes) return p;
    return {
      ...p,
      timeouts: { ...p.timeouts, attemptMs: 1000, callMs: 8000, safetyMarginMs: 1000 },
      circuitBreaker: { ...p.circuitBreaker, halfOpenAfterMs: 1000 },
      ...(p.name === 'football' ? { rateLimit: { requestsPerSecond: 50, burst: 20 } } : {}),
    };
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The chaos run: the local stack with its simulators under a seeded scenario of webhooks, a backfill and
 * write commands, with faults injected everywhere they can happen; then the final state against the
 * state the seed implies. See README, "Reliability: chaos run and load".
 *
 * @example
 * const result = await runChaos({ seed: 42, events: 3000, writes: 300, pages: 300 });
 * console.log(result.pass, result.figures);
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const progress = opts.onProgress ?? (() => undefined);
  const rng = seeded(opts.seed);
  const providers = chaosDefinitions();
  const dataDir = mkdtempSync(join(tmpdir(), 'chaos-'));
  const secretsFile = seededSecrets(rng.fork('secrets'), providers);
  writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify(secretsFile), { mode: 0o600 });

  const football = new FootballSimulator({
    key: secretsFile.football!.apiKey!,
    seed: opts.seed,
    seasons: [2024],
    leagues: 16,
    pageSize: PAGE_SIZE,
    faults: { invalidEvery: INVALID_EVERY },
  });
  await football.listen();
  const backfillPlan = planBackfill(football, Date.UTC(2024, 8, 1), opts.pages, PAGE_SIZE, INVALID_EVERY);
  const senders = webhookSenders(providers);
  const webhookPlan = planWebhooks(rng.fork('webhooks'), {
    senders,
    events: opts.events,
    toleranceMs: TOLERANCE_MS,
    replayMarginMs: opts.replayMarginMs ?? 20_000,
    oversized: opts.oversized ?? 2,
  });
  const writePlan = planWrites(rng.fork('writes'), opts.writes);

  const logLines: string[] = [];
  // 20 s: long enough that a batch on this one loaded Node thread (six processors, dynalite, simulators) ends before its timeout.
  const visibilityTimeoutMs = opts.visibilityTimeoutMs ?? 20_000;
  const processorTimeoutMs = Math.round(visibilityTimeoutMs * 0.6);
  let stack: LocalStack | undefined;
  const schedules: Record<string, FaultSchedule> = {};
  try {
    stack = await startLocalStack({
      port: 0,
      memory: true,
      dataDir,
      providers,
      sink: (line) => logLines.push(line),
      visibilityTimeoutMs,
      // Deployed: 5 receives x 360 s. Here visibility is scaled to 8 s but Retry-After waits and breaker probes are not,
      // so 10 receives (80 s) is still a far smaller budget in time than the deployed one (30 min); with 5, commands
      // behind a 429 storm run out of receives before the provider lets them through.
      maxReceiveCount: 10,
      // Every processor shares this one Node thread (in AWS each runs apart): two batches in flight per provider keep a batch's time under its timeout.
      processor: { timeoutMs: processorTimeoutMs, maxConcurrency: 2 },
      writer: { timeoutMs: Math.round(visibilityTimeoutMs * 0.9), env: {} },
      polls: { autoStart: false },
      env: { FOOTBALL_BASE_URL: football.url },
    });
    const crashes = opts.crashes ?? Math.max(1, Math.round(opts.events / 750));
    const dynamoFaults = injectDynamoFaults(stack.dynamo.client, rng.fork('dynamo'), {
      failRate: opts.dynamoFailRate ?? 0.05,
      surfacedRate: opts.dynamoSurfacedRate ?? 0.01,
      spare: [TABLES.apiNotices.name],
      crashes,
      crashEvery: Math.max(20, Math.floor(opts.events / crashes)),
      hangMs: processorTimeoutMs + 300,
      recordsTable: TABLES.records.name,
    });
    const stripe = stack.writes.simulators.stripe!;
    const trello = stack.writes.simulators.trello!;
    schedules.football = scheduleFaults(football, rng.fork('football-faults'), readFaults({ path: '/fixtures' }), {
      every: [3, 10],
    });
    schedules.stripe = scheduleFaults(
      stripe,
      rng.fork('stripe-faults'),
      writeFaults({ method: 'POST', path: '/v1/customers' }),
      { every: [3, 10] },
    );
    schedules.trello = scheduleFaults(
      trello,
      rng.fork('trello-faults'),
      writeFaults({ method: 'POST', path: '/1/cards' }),
      { every: [3, 10] },
    );

    const signatures = new Set<string>();
    const s = stack;
    let delivered = 0;
    const ticker = setInterval(() => {
      const depth = Object.values(s.queues).reduce((n, q) => n + q.queue.depth().total, 0);
      const commands = Object.values(s.writes.queues).reduce((n, q) => n + q.queue.depth().total, 0);
      progress(
        `webhooks ${delivered}/${webhookPlan.deliveries.length} sent, ${depth} queued; commands queued ${commands}; backfill requests ${football.requests.length}; DynamoDB write failures ${dynamoFaults.stats.failed} retried, ${dynamoFaults.stats.surfaced} surfaced, crashes ${dynamoFaults.stats.crashes}`,
      );
    }, 2000);
    ticker.unref();

    const webhooks = sendWebhooks(webhookPlan, {
      url: s.url,
      senders,
      secret: (p) => s.secrets.get(p, senders.find((d) => d.name === p)!.secret),
      concurrency: opts.concurrency ?? 8,
      rng: rng.fork('send'),
      toleranceMs: TOLERANCE_MS,
      signatures,
      onProgress: (n) => {
        delivered = n;
      },
    });
    const backfill = runBackfill(s.polls!, backfillPlan);
    const commands = (async () => {
      const first = await sendCommands(s.url, writePlan.first, 8);
      // Updates need their creates mapped: the second phase starts once the command queues are empty.
      while (Object.values(s.writes.queues).some((q) => q.queue.depth().total > 0)) await sleep(50);
      return [...first, ...(await sendCommands(s.url, writePlan.second, 8))];
    })();
    const [sent, backfillOutcome, commandsSent] = await Promise.all([webhooks, backfill, commands]);
    progress('all traffic sent; waiting for the queues to drain');
    const drainBy = Date.now() + (opts.drainTimeoutMs ?? 300_000);
    await Promise.race([s.drained(), sleep(Math.max(0, drainBy - Date.now()))]);
    clearInterval(ticker);
    dynamoFaults.stop();
    for (const schedule of Object.values(schedules)) schedule.stop();

    const secrets = Object.values(s.secrets.read()).flatMap((entry) =>
      Object.values(entry).flatMap((v) => [v, ...secretValues(v)]),
    );
    const { figures, details } = await verify({
      webhooks: webhookPlan,
      sent,
      writes: writePlan,
      commandsSent,
      commandOutcome: (id) => s.writes.commands.get(id),
      backfill: backfillPlan,
      doc: s.dynamo.doc,
      tables: { records: TABLES.records.name, quarantine: TABLES.quarantine.name },
      webhookDlqs: Object.fromEntries(Object.entries(s.queues).map(([name, q]) => [name, q.dlq.list()])),
      commandDlqs: Object.fromEntries(
        Object.entries(s.writes.queues).map(([name, q]) => [`${name}-commands`, q.dlq.list()]),
      ),
      resources: resourcesByRef(stripe, trello, writePlan.refs),
      logLines,
      secrets: [...new Set(secrets)],
      signatures,
    });
    const deliveries: Record<string, number> = {};
    for (const d of webhookPlan.deliveries) deliveries[d.kind] = (deliveries[d.kind] ?? 0) + 1;
    return {
      figures,
      details,
      pass:
        passed(figures) &&
        figures.events_applied === figures.events_sent - details.poisonSent &&
        details.unexpectedAnswers.length === 0 &&
        details.unexpectedRecords.length === 0 &&
        details.unexpectedDeadLetters.length === 0,
      durationMs: Date.now() - started,
      stats: {
        deliveries,
        outOfOrderEntities: webhookPlan.outOfOrderEntities,
        dynamo: { ...dynamoFaults.stats },
        crashesObserved: logLines.filter((l) => l.includes('processor invocation failed') && l.includes('timed out'))
          .length,
        simulatorFaults: Object.fromEntries(Object.entries(schedules).map(([name, sched]) => [name, sched.injected])),
        backfill: {
          ...backfillOutcome,
          plannedPages: backfillPlan.pages,
          days: Math.round((backfillPlan.to - backfillPlan.from) / 86_400_000),
        },
        commands: {
          sent: commandsSent.length,
          accepted: commandsSent.filter((c) => c.statuses.some((x) => x >= 200 && x < 300)).length,
        },
      },
      logLines,
    };
  } finally {
    for (const schedule of Object.values(schedules)) schedule.stop();
    await stack?.stop();
    await football.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
