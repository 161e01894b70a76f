import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretValues } from '../../lambdas/core/secret-values';
import { TABLES } from '../../lambdas/core/tables';
import { providers as allProviders } from '../../lambdas/providers';
import type { ProviderDefinition } from '../../lambdas/core/provider';
import { FootballSimulator } from '../simulators/football';
import type { StoredMessage } from '../queue';
import type { SecretsFile } from '../secrets';
import { readArchive } from '../event-bus';
import { startLocalStack, type LocalStack } from '../stack';
import { type BackfillOutcome, type BackfillPlan, planBackfill, runBackfill } from './backfill';
import { injectDynamoFaults, type DynamoFaultStats } from './dynamo-faults';
import { seeded, type Rng } from './random';
import { sendWebhooks } from './send-webhooks';
import { readFaults, scheduleFaults, writeFaults, type FaultSchedule } from './sim-faults';
import { type ChaosDetails, type ChaosFigures, passed, verify } from './verify';
import { planWebhooks, type WebhookPlan } from './webhook-plan';
import { type WebhookSender, webhookSenders } from './webhook-payloads';
import { planWrites, resourcesByRef, sendCommands, type WritePlan } from './writes';
import {
  finishFixtures,
  planRoutes,
  replayChanges,
  type RouteFigures,
  routeBusFaults,
  routePassed,
  type RoutePlan,
  slackFaults,
  verifyRoutes,
} from './routes';

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
  /**
   * Fixtures of the backfill that finish while watched (the football-ft-to-slack route); default pages / 10, at least
   * 4.
   */
  finishing?: number;
  onProgress?(line: string): void;
}

export interface ChaosResult {
  figures: ChaosFigures;
  details: ChaosDetails;
  pass: boolean;
  /** Per route: changes it matched, commands it sent, provider writes made, duplicates (local/chaos/routes.ts). */
  routes: RouteFigures[];
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
    changes: { published: number; replayed: number };
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
      ...(p.name === 'slack' ? { rateLimit: { requestsPerSecond: 20, burst: 20 } } : {}),
    };
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Plans {
  webhooks: WebhookPlan;
  writes: WritePlan;
  backfill: BackfillPlan;
  senders: WebhookSender[];
  routes: RoutePlan;
}

/** The stack as the chaos run needs it: simulators, in-memory DynamoDB, scaled time, every line kept. */
function startChaosStack(
  dataDir: string,
  providers: ProviderDefinition[],
  footballUrl: string,
  opts: ChaosOptions,
  logLines: string[],
  rng: Rng,
) {
  // 20 s: long enough that a batch on this one loaded Node thread (six processors, dynalite, simulators) ends before
  // its timeout.
  const visibilityTimeoutMs = opts.visibilityTimeoutMs ?? 20_000;
  return startLocalStack({
    port: 0,
    memory: true,
    dataDir,
    providers,
    sink: (line) => logLines.push(line),
    visibilityTimeoutMs,
    // Visibility is scaled down but Retry-After waits are not: with 5 receives, commands behind a 429 storm run out.
    maxReceiveCount: 10,
    // Every processor shares this one Node thread (in AWS each runs apart): two batches in flight per provider keep a
    // batch's time under its timeout.
    processor: { timeoutMs: processorTimeoutMs(opts), maxConcurrency: 2 },
    writer: { timeoutMs: Math.round(visibilityTimeoutMs * 0.9), env: {} },
    polls: { autoStart: false },
    env: { FOOTBALL_BASE_URL: footballUrl },
    changes: { busFaults: routeBusFaults(rng.fork('bus')), streamRetries: { retryDelayMs: 50 } },
  });
}

const processorTimeoutMs = (opts: ChaosOptions) => Math.round((opts.visibilityTimeoutMs ?? 20_000) * 0.6);

interface Faults {
  dynamo: ReturnType<typeof injectDynamoFaults>;
  schedules: Record<string, FaultSchedule>;
  stop(): void;
}

/**
 * DynamoDB write failures and processor crashes; 5xx, 429 and commit faults on the football, Stripe and Trello
 * simulators.
 */
function injectFaults(stack: LocalStack, football: FootballSimulator, rng: Rng, opts: ChaosOptions): Faults {
  const crashes = opts.crashes ?? Math.max(1, Math.round(opts.events / 750));
  const dynamo = injectDynamoFaults(stack.dynamo.client, rng.fork('dynamo'), {
    failRate: opts.dynamoFailRate ?? 0.05,
    surfacedRate: opts.dynamoSurfacedRate ?? 0.01,
    spare: [TABLES.apiNotices.name],
    crashes,
    crashEvery: Math.max(20, Math.floor(opts.events / crashes)),
    hangMs: processorTimeoutMs(opts) + 300,
    recordsTable: TABLES.records.name,
  });
  const every = { every: [3, 10] as [number, number] };
  const { stripe, trello } = stack.writes.simulators;
  const schedules: Record<string, FaultSchedule> = {
    football: scheduleFaults(football, rng.fork('football-faults'), readFaults({ path: '/fixtures' }), every),
    stripe: scheduleFaults(
      stripe!,
      rng.fork('stripe-faults'),
      writeFaults({ method: 'POST', path: '/v1/customers' }),
      every,
    ),
    trello: scheduleFaults(
      trello!,
      rng.fork('trello-faults'),
      writeFaults({ method: 'POST', path: '/1/cards' }),
      every,
    ),
    slack: slackFaults(stack, rng.fork('slack-faults')),
  };
  return {
    dynamo,
    schedules,
    stop: () => {
      dynamo.stop();
      for (const schedule of Object.values(schedules)) schedule.stop();
    },
  };
}

/** Webhooks, the backfill and the commands at once; commands in two phases, updates once their creates are mapped. */
async function driveTraffic(
  stack: LocalStack,
  plans: Plans,
  rng: Rng,
  opts: ChaosOptions & { signatures: Set<string>; onSent(n: number): void; football: FootballSimulator },
) {
  const webhooks = sendWebhooks(plans.webhooks, {
    url: stack.url,
    senders: plans.senders,
    secret: (p) => stack.secrets.get(p, plans.senders.find((d) => d.name === p)!.secret),
    concurrency: opts.concurrency ?? 8,
    rng: rng.fork('send'),
    toleranceMs: TOLERANCE_MS,
    signatures: opts.signatures,
    onProgress: (n) => opts.onSent(n),
  });
  // The fixtures the backfill stored in play finish afterwards: the football route's changes.
  const backfill = runBackfill(stack.polls!, plans.backfill).then(async (outcome) => {
    await finishFixtures(stack, opts.football, plans.routes);
    return outcome;
  });
  const commands = (async () => {
    const first = await sendCommands(stack.url, plans.writes.first, 8);
    while (Object.values(stack.writes.queues).some((q) => q.queue.depth().total > 0)) await sleep(50);
    return [...first, ...(await sendCommands(stack.url, plans.writes.second, 8))];
  })();
  const [sent, backfilled, commandsSent] = await Promise.all([webhooks, backfill, commands]);
  return { sent, backfilled, commandsSent };
}

/** A status line every 2 s: what was sent, what is queued, what failed on purpose. */
function ticker(
  stack: LocalStack,
  plans: Plans,
  football: FootballSimulator,
  faults: Faults,
  progress: (line: string) => void,
) {
  let delivered = 0;
  const timer = setInterval(() => {
    const depth = Object.values(stack.queues).reduce((n, q) => n + q.queue.depth().total, 0);
    const commands = Object.values(stack.writes.queues).reduce((n, q) => n + q.queue.depth().total, 0);
    const d = faults.dynamo.stats;
    progress(
      `webhooks ${delivered}/${plans.webhooks.deliveries.length} sent, ${depth} queued; commands queued ${commands}; backfill requests ${football.requests.length}; DynamoDB write failures ${d.failed} retried, ${d.surfaced} surfaced, crashes ${d.crashes}`,
    );
  }, 2000);
  timer.unref();
  return {
    sent: (n: number) => {
      delivered = n;
    },
    stop: () => clearInterval(timer),
  };
}

/** Every value of every secret the stack holds (each of a rotation list too): none may reach a log. */
function secretValuesOf(stack: LocalStack): string[] {
  const all = Object.values(stack.secrets.read()).flatMap((entry) =>
    Object.values(entry).flatMap((v) => [v, ...secretValues(v)]),
  );
  return [...new Set(all)];
}

async function verifyRun(
  stack: LocalStack,
  plans: Plans,
  traffic: Awaited<ReturnType<typeof driveTraffic>>,
  logLines: string[],
  signatures: Set<string>,
) {
  const { stripe, trello } = stack.writes.simulators;
  const queues = (q: Record<string, { dlq: { list(): StoredMessage[] } }>, suffix = '') =>
    Object.fromEntries(Object.entries(q).map(([name, { dlq }]) => [`${name}${suffix}`, dlq.list()]));
  return verify({
    webhooks: plans.webhooks,
    sent: traffic.sent,
    writes: plans.writes,
    commandsSent: traffic.commandsSent,
    commandOutcome: (provider, id) => stack.writes.commands.get(provider, id),
    backfill: plans.backfill,
    doc: stack.dynamo.doc,
    tables: { records: TABLES.records.name, quarantine: TABLES.quarantine.name },
    webhookDlqs: queues(stack.queues),
    commandDlqs: queues(stack.writes.queues, '-commands'),
    resources: resourcesByRef(stripe!, trello!, plans.writes.refs),
    logLines,
    secrets: secretValuesOf(stack),
    signatures,
  });
}

/** Anything in the change DLQ is unexpected in the run: every route's input is valid, the bus comes back. */
function changeDeadLetters(stack: LocalStack): ChaosDetails['unexpectedDeadLetters'] {
  return stack.changes.dlq.list().map((m) => ({
    queue: 'changes-dlq',
    id: m.attributes.eventId,
    kind: m.attributes.failureKind,
    reason: m.attributes.failureReason,
  }));
}

function stats(
  plans: Plans,
  faults: Faults,
  traffic: Awaited<ReturnType<typeof driveTraffic>>,
  logLines: string[],
  changes: ChaosResult['stats']['changes'],
): ChaosResult['stats'] {
  const deliveries: Record<string, number> = {};
  for (const d of plans.webhooks.deliveries) deliveries[d.kind] = (deliveries[d.kind] ?? 0) + 1;
  const { backfill } = plans;
  return {
    deliveries,
    outOfOrderEntities: plans.webhooks.outOfOrderEntities,
    dynamo: { ...faults.dynamo.stats },
    crashesObserved: logLines.filter((l) => l.includes('processor invocation failed') && l.includes('timed out'))
      .length,
    simulatorFaults: Object.fromEntries(
      Object.entries(faults.schedules).map(([name, sched]) => [name, sched.injected]),
    ),
    backfill: {
      ...traffic.backfilled,
      plannedPages: backfill.pages,
      days: Math.round((backfill.to - backfill.from) / 86_400_000),
    },
    commands: {
      sent: traffic.commandsSent.length,
      accepted: traffic.commandsSent.filter((c) => c.statuses.some((x) => x >= 200 && x < 300)).length,
    },
    changes,
  };
}

/** What the seed makes the run send: webhooks, the backfill, the fixtures that finish (routes), commands. */
function chaosPlans(opts: ChaosOptions, rng: Rng, football: FootballSimulator, providers: ProviderDefinition[]): Plans {
  const senders = webhookSenders(providers);
  const backfill = planBackfill(football, Date.UTC(2024, 8, 1), opts.pages, PAGE_SIZE, INVALID_EVERY);
  const finishing = opts.finishing ?? Math.max(4, Math.round(opts.pages / 10));
  return {
    senders,
    backfill,
    routes: planRoutes(football, backfill, rng.fork('routes'), finishing),
    webhooks: planWebhooks(rng.fork('webhooks'), {
      senders,
      events: opts.events,
      toleranceMs: TOLERANCE_MS,
      replayMarginMs: opts.replayMarginMs ?? 20_000,
      oversized: opts.oversized ?? 2,
    }),
    writes: planWrites(rng.fork('writes'), opts.writes),
  };
}

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
  const key = secretsFile.football!.apiKey!;
  const invalid = { invalidEvery: INVALID_EVERY };
  const football = new FootballSimulator({
    key,
    seed: opts.seed,
    seasons: [2024],
    leagues: 16,
    pageSize: PAGE_SIZE,
    faults: invalid,
  });
  await football.listen();
  const plans = chaosPlans(opts, rng, football, providers);
  const logLines: string[] = [];
  let stack: LocalStack | undefined;
  let faults: Faults | undefined;
  try {
    stack = await startChaosStack(dataDir, providers, football.url, opts, logLines, rng);
    faults = injectFaults(stack, football, rng, opts);
    const tick = ticker(stack, plans, football, faults, progress);
    const signatures = new Set<string>();
    const traffic = await driveTraffic(stack, plans, rng, { ...opts, signatures, onSent: tick.sent, football });
    progress('all traffic sent; waiting for the queues to drain');
    await Promise.race([stack.drained(), sleep(opts.drainTimeoutMs ?? 300_000)]);
    progress('replaying every change event to the routes');
    const replayed = await Promise.race([replayChanges(stack), sleep(opts.drainTimeoutMs ?? 300_000).then(() => -1)]);
    tick.stop();
    faults.stop();
    const { figures, details } = await verifyRun(stack, plans, traffic, logLines, signatures);
    const routes = await verifyRoutes(stack, plans.routes, logLines);
    details.unexpectedDeadLetters.push(...changeDeadLetters(stack));
    const clean =
      details.unexpectedAnswers.length + details.unexpectedRecords.length + details.unexpectedDeadLetters.length === 0;
    const pass =
      passed(figures) &&
      figures.events_applied === figures.events_sent - details.poisonSent &&
      clean &&
      routes.every(routePassed);
    const published = new Set(readArchive(stack.changes.archiveFile).map((e) => e.detail.eventId)).size;
    return {
      figures,
      details,
      pass,
      routes,
      durationMs: Date.now() - started,
      stats: stats(plans, faults, traffic, logLines, { published, replayed }),
      logLines,
    };
  } finally {
    faults?.stop();
    await stack?.stop();
    await football.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
