import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DeleteTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../lambdas/adapters/dynamodb';
import { INGEST_SECRETS_MAX_AGE_SECONDS } from '../../lambdas/core/ingest';
import { RECORDS_BY_PROVIDER, TABLES } from '../../lambdas/core/tables';
import { getProvider } from '../../lambdas/providers';
import { stageConfig } from '../../lib/stages';
import { WEBHOOK_BATCH } from '../../lib/webhook-integration';
import { createTable } from '../../local/dynamo';
import { figure, type Figure, type RunOptions, type Scenario } from '../figure';
import { PRICES } from '../prices';
import { atBatch, batchModel, meanBatch, MONTH_SECONDS, withTraffic, type Profile } from '../cost/model';
import { usageOf } from '../cost/meter';
import { priceUsage, scaleUsage, SERVICE_LABELS, SERVICES, total, type Breakdown, type Usage } from '../cost/pricing';
import { runSync } from '../cost/sync-run';
import { mixEvents, MIX, PROVIDER_SHARE } from '../cost/traffic';
import { runWebhooks, type WebhookRunResult } from '../cost/webhook-run';
import { startServer } from '../webhook-ingest/load';

const DYNALITE = join(fileURLToPath(import.meta.url), '..', '..', 'processor', 'dynalite-server.ts');
const ID = 'cost' as const;
const PER_M = 'USD/M';
/** As deployed (lib/webhook-integration.ts): batches of up to 50, gathered for at most 40 s. */
const BATCH_SIZE = WEBHOOK_BATCH.size;
const BATCH_WINDOW_S = WEBHOOK_BATCH.windowSeconds;
const PROVIDERS = Object.keys(PROVIDER_SHARE).length;
/** The ingest's secret cache (lambdas/core/ingest.ts; a mismatching signature re-reads at once). */
const SECRETS_TTL_S = INGEST_SECRETS_MAX_AGE_SECONDS;

const BUSY: Profile = {
  name: 'busy',
  label: `10 webhooks/s per provider: full batches of ${BATCH_SIZE}`,
  perProvider: 10,
  providers: PROVIDERS,
};
const QUIET: Profile = {
  name: 'quiet',
  label: `1 M webhooks a month over ${PROVIDERS} providers`,
  perProvider: 1e6 / MONTH_SECONDS / PROVIDERS,
  providers: PROVIDERS,
};

const perEvent = (r: WebhookRunResult): Usage =>
  scaleUsage(
    usageOf({
      api: r.api,
      lambdas: [r.ingest, r.processor],
      counts: r.counts,
      dynamo: r.dynamo.total(),
      secretsCalls: 0,
      logBytes: r.logs.sum(),
    }),
    1 / r.events,
  );
const perMillion = (u: Usage): Breakdown => priceUsage(scaleUsage(u, 1e6));
const usd = (n: number): string => `$${n.toFixed(n < 0.1 ? 3 : 2)}`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

function breakdownTable(columns: [string, Breakdown][]): string {
  const rows = SERVICES.filter((s) => columns.some(([, b]) => b[s] > 0.0005)).map((s) => [
    SERVICE_LABELS[s],
    ...columns.map(([, b]) => usd(b[s])),
  ]);
  rows.push(['total', ...columns.map(([, b]) => usd(total(b)))]);
  const head = ['per million webhooks', ...columns.map(([name]) => name)];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows]
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

type RunOpts = { batchSize: number; logLevel: 'INFO' | 'WARN'; gzipRecords: boolean; ingestLogLevel?: 'INFO' | 'WARN' };
/** The prod stage's ingest log level (lib/stages.ts), as the deployed runs use it. */
const INGEST_LOG_LEVEL = stageConfig('prod').ingestLogLevel === 'INFO' ? 'INFO' : 'WARN';

/** Fresh tables before each run: dynalite in its own process, as DynamoDB is remote. */
async function freshTables(admin: DynamoDBClient): Promise<void> {
  const wait = { client: admin, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.1 };
  for (const spec of Object.values(TABLES)) {
    await admin.send(new DeleteTableCommand({ TableName: spec.name })).catch(() => undefined);
    await waitUntilTableNotExists(wait, { TableName: spec.name });
    await createTable(admin, spec);
    await waitUntilTableExists(wait, { TableName: spec.name });
  }
}

interface Runs {
  deployed: WebhookRunResult;
  single: WebhookRunResult;
  warn: WebhookRunResult;
  /** Every function at INFO, the ingest too. */
  info: WebhookRunResult;
  plain: WebhookRunResult;
  sync: Awaited<ReturnType<typeof runSync>>;
}

/** The same events five times (as deployed, batches of 1, all at WARN, all at INFO, records as plain JSON), then the sync. */
async function runAll(endpoint: string, admin: DynamoDBClient, opts: RunOptions): Promise<Runs> {
  const count = opts.quick ? 100 : 240;
  const { events, split } = mixEvents(count);
  const run = async (o: RunOpts) => {
    await freshTables(admin);
    const t0 = performance.now();
    const r = await runWebhooks({ events, split, endpoint, ...o });
    console.error(
      `  ${count} webhooks, batch ${o.batchSize}, ${o.logLevel} (ingest ${o.ingestLogLevel ?? o.logLevel})${o.gzipRecords ? '' : ', records as plain JSON'}: ${((performance.now() - t0) / 1000).toFixed(1)} s; ${r.batches} batches; outcomes ${JSON.stringify(r.outcomes)}`,
    );
    return r;
  };
  const ingestLogLevel = INGEST_LOG_LEVEL;
  const deployed = await run({ batchSize: BATCH_SIZE, logLevel: 'INFO', ingestLogLevel, gzipRecords: true });
  const single = await run({ batchSize: 1, logLevel: 'INFO', ingestLogLevel, gzipRecords: true });
  const warn = await run({ batchSize: BATCH_SIZE, logLevel: 'WARN', gzipRecords: true });
  const info = await run({ batchSize: BATCH_SIZE, logLevel: 'INFO', ingestLogLevel: 'INFO', gzipRecords: true });
  const plain = await run({ batchSize: BATCH_SIZE, logLevel: 'INFO', ingestLogLevel, gzipRecords: false });
  await freshTables(admin);
  const sync = await runSync({ endpoint, days: opts.quick ? 4 : 10 });
  return { deployed, single, warn, info, plain, sync };
}

/**
 * Per-event usage split into per-event and per-batch parts (from the deployed and batch-1 runs), priced at any traffic.
 */
function pricing(runs: Runs) {
  const { deployed } = runs;
  const stage = stageConfig('prod');
  const model = batchModel(
    { usage: perEvent(deployed), batch: deployed.events / deployed.batches },
    { usage: perEvent(runs.single), batch: 1 },
  );
  const traffic = (u: Usage, p: Profile, batch: number, o: { tracing?: boolean; ttl?: number } = {}) =>
    withTraffic(u, p, {
      batch,
      secretsCallsPerTtl: deployed.secretsCalls,
      ttlSeconds: o.ttl ?? SECRETS_TTL_S,
      tracing: o.tracing ?? stage.tracing,
    });
  const quietBatch = meanBatch(QUIET.perProvider, BATCH_WINDOW_S, BATCH_SIZE);
  const busyUsage = traffic(atBatch(model, BATCH_SIZE), BUSY, BATCH_SIZE);
  const quietUsage = traffic(atBatch(model, quietBatch), QUIET, quietBatch);
  const busy = perMillion(busyUsage);
  const quiet = perMillion(quietUsage);
  // The same change in another run, moved onto a figure: per-event difference, same batch fill.
  const relative = (r: WebhookRunResult) => {
    const d = perEvent(r);
    const base = perEvent(deployed);
    return (u: Usage) =>
      Object.fromEntries(
        Object.entries(u).map(([k, v]) => [k, v + d[k as keyof Usage] - base[k as keyof Usage]]),
      ) as unknown as Usage;
  };
  const before = total(
    perMillion(traffic(relative(runs.plain)(atBatch(model, BATCH_SIZE)), BUSY, BATCH_SIZE, { tracing: true })),
  );
  return { stage, model, traffic, quietBatch, busyUsage, busy, quiet, headline: total(busy), relative, before };
}

type Pricing = ReturnType<typeof pricing>;

/**
 * Powertools idempotency per event, were the processor to keep it: its claim (a conditional put) and its completion
 * (an update), each an item under 1 KB; a second copy's claim fails (a write unit) and reads the record.
 */
const IDEMPOTENCY_WRU = 2;

/** DynamoDB write units of one records put. */
function dynamoUnits(deployed: WebhookRunResult) {
  const records = deployed.dynamo.tables.get(TABLES.records.name)!;
  const puts = [...records.requests.entries()].filter(([op]) => op === 'PutItem').reduce((n, [, v]) => n + v, 0);
  const index = deployed.dynamo.tables.get(`${TABLES.records.name}/index/${RECORDS_BY_PROVIDER}`);
  return { records, recordWru: records.wru / Math.max(1, puts), indexWru: (index?.wru ?? 0) / deployed.events };
}

/** Each a one-change alternative to the busy figure. */
function busyAlternatives(runs: Runs, p: Pricing): [string, number][] {
  const { deployed } = runs;
  const swap = (change: (u: Usage) => Usage) => total(perMillion(change(p.busyUsage)));
  const dupRate = deployed.outcomes.duplicate / deployed.events;
  const bytes = (match: (k: string) => boolean) => deployed.logs.sum(match) / deployed.events;
  // Its duplicates would stop at the claim: no failed records put and read.
  const { recordWru } = dynamoUnits(deployed);
  const withIdempotency = (u: Usage) => ({
    ...u,
    dynamoWru: u.dynamoWru + IDEMPOTENCY_WRU - dupRate * (recordWru + 1),
    dynamoRru: u.dynamoRru + dupRate,
  });
  const tracing = !p.stage.tracing;
  return [
    ['processor batch size 1', total(perMillion(p.traffic(atBatch(p.model, 1), BUSY, 1)))],
    ['processor batch size 10', total(perMillion(p.traffic(atBatch(p.model, 10), BUSY, 10)))],
    ['archive: one S3 PUT per event instead of per batch', swap((u) => ({ ...u, s3Puts: 1 }))],
    ['archive off', swap((u) => ({ ...u, s3Puts: 0 }))],
    [
      `Powertools idempotency in the processor too (a claim and a completion per event; ${(dupRate * 100).toFixed(0)} % duplicates stop at the claim)`,
      swap(withIdempotency),
    ],
    ['records entity data as plain JSON instead of gzip', swap(p.relative(runs.plain))],
    ['log level WARN at the processor too (no per-event INFO lines)', swap(p.relative(runs.warn))],
    ["ingest at INFO, as the other functions (its 'webhook accepted' line)", swap(p.relative(runs.info))],
    [
      'no EMF document from the ingest (per webhook)',
      swap((u) => ({ ...u, logBytes: u.logBytes - bytes((k) => k === 'ingest:emf') })),
    ],
    [
      `X-Ray active tracing ${p.stage.tracing ? 'off' : 'on'} (every function)`,
      total(perMillion(p.traffic(atBatch(p.model, BATCH_SIZE), BUSY, BATCH_SIZE, { tracing }))),
    ],
  ];
}

/** Each a one-change alternative to the quiet figure. */
function quietAlternatives(p: Pricing): [string, number][] {
  const quiet = (batch: number, o: { tracing?: boolean; ttl?: number } = {}) =>
    total(perMillion(p.traffic(atBatch(p.model, batch), QUIET, batch, o)));
  return [
    [
      `quiet, X-Ray active tracing ${p.stage.tracing ? 'off' : 'on'}`,
      quiet(p.quietBatch, { tracing: !p.stage.tracing }),
    ],
    ['quiet, secrets cached 5 min instead of 1 h', quiet(p.quietBatch, { ttl: 300 })],
    ...[1, 60].map((w): [string, number] => {
      const b = meanBatch(QUIET.perProvider, w, BATCH_SIZE);
      return [`quiet, batching window ${w} s (batches of ${b.toFixed(1)})`, quiet(b)];
    }),
  ];
}

/** Sync: per record written by a first sync, and per record a scheduled run re-checks unchanged. */
function syncCosts(sync: Runs['sync']) {
  const firstRecords = sync.first.summary.recordsWritten;
  const s = sync.second.summary;
  const recheck = s.recordsUnchanged + s.recordsWritten + s.recordsStale;
  const first = priceUsage(scaleUsage(sync.first.usage, 1e6 / firstRecords));
  const second = priceUsage(scaleUsage(sync.second.usage, 1e6 / Math.max(1, recheck)));
  // The sync write rule reads before it writes, strongly consistent; its conditional put re-checks anyway.
  const recheckReads = sync.second.tables.get(TABLES.records.name)?.rru ?? 0;
  const eventual = { ...sync.second.usage, dynamoRru: sync.second.usage.dynamoRru - recheckReads / 2 };
  const eventualReads = total(priceUsage(scaleUsage(eventual, 1e6 / Math.max(1, recheck))));
  return { firstRecords, recheck, first, second, eventualReads };
}

/** What each figure is made of, on stderr. */
function explainCost(
  runs: Runs,
  p: Pricing,
  sync: ReturnType<typeof syncCosts>,
  alternatives: [string, number][],
): void {
  const { deployed } = runs;
  const u = p.busyUsage;
  const { records, recordWru, indexWru } = dynamoUnits(deployed);
  const secrets = Object.keys(PROVIDER_SHARE).reduce((n, name) => n + (getProvider(name)?.secrets.length ?? 0), 0);
  const say = (line: string) => console.error(line);
  say(
    `  prices: ${PRICES.region}, on-demand, as of ${PRICES.date} (bench/prices.ts); ingest ${median(deployed.ingest.durations).toFixed(1)} ms, processor ${median(deployed.processor.durations).toFixed(0)} ms per batch of ${(deployed.events / deployed.batches).toFixed(1)} (medians, service latencies slept, dynalite on a loaded machine)`,
  );
  say(
    `  per webhook (busy): ${u.dynamoWru.toFixed(2)} WRU (records ${(records.wru / deployed.events).toFixed(2)}: ${recordWru.toFixed(2)} per put; its provider index ${indexWru.toFixed(2)}, new entities only), ${u.dynamoRru.toFixed(2)} RRU, ${u.sqsRequests.toFixed(2)} SQS requests, ${u.lambdaInvocations.toFixed(2)} invocations, ${(u.lambdaGbSeconds * 1000).toFixed(2)} GB-ms, ${u.s3Puts.toFixed(2)} S3 PUTs, ${Math.round(u.logBytes)} log bytes`,
  );
  say(
    `  log bytes per webhook: ${[...deployed.logs.bytes.entries()].map(([k, v]) => `${k} ${Math.round(v / deployed.events)}`).join(', ')}`,
  );
  say(
    `  Secrets Manager: ${deployed.secretsCalls} GetSecretValue calls for ${deployed.events} webhooks over ${PROVIDERS} ingest functions (one per secret per function per ${SECRETS_TTL_S} s cache TTL)`,
  );
  const columns: [string, Breakdown][] = [
    ['busy', p.busy],
    ['quiet', p.quiet],
    ['sync, first', sync.first],
    ['sync, re-check', sync.second],
  ];
  say(`\n${breakdownTable(columns)}\n`);
  say(
    `  busy: ${BUSY.label}; quiet: ${QUIET.label} (${p.quietBatch.toFixed(2)} in a ${BATCH_WINDOW_S} s window). Sync columns: per million records.`,
  );
  for (const [name, value] of alternatives) {
    const base = name.startsWith('quiet') ? total(p.quiet) : p.headline;
    say(`  ${name}: ${usd(value)}/M (${value >= base ? '+' : ''}${usd(value - base)})`);
  }
  say(`  before this work (records as plain JSON, X-Ray on every function): ${usd(p.before)}/M`);
  say(
    `  sync, re-check with eventually consistent reads: ${usd(sync.eventualReads)}/M (${usd(sync.eventualReads - total(sync.second))})`,
  );
  say(
    `  fixed, not per webhook: ${secrets} secrets of these providers x $${PRICES.secretsManager.perSecretMonth} = $${(secrets * PRICES.secretsManager.perSecretMonth).toFixed(2)} a month; alarms, dashboard, idle queue polling and storage likewise`,
  );
  const { first, second } = runs.sync;
  say(
    `  sync: first run ${sync.firstRecords} records written (${first.summary.requests} requests, ${(first.durationMs / 1000).toFixed(1)} s); scheduled re-run ${sync.recheck} records re-checked, ${second.summary.recordsWritten} written`,
  );
}

function costFigures(
  p: Pricing,
  sync: ReturnType<typeof syncCosts>,
  busyAlt: [string, number][],
  quietAlt: [string, number][],
): Figure[] {
  const u = p.busyUsage;
  const quiet = total(p.quiet);
  return [
    figure(ID, 'busy: $ per million 5 KB webhooks, end to end, archive included', p.headline, PER_M, {
      target: `<= 4.5 ${PER_M}`,
    }),
    ...SERVICES.filter((s) => p.busy[s] > 0).map((s) => figure(ID, `busy: ${SERVICE_LABELS[s]}`, p.busy[s], PER_M)),
    figure(ID, 'quiet (1 M a month): $ per million webhooks (baseline = busy)', quiet, PER_M, {
      baseline: p.headline,
      target: `<= 6.5 ${PER_M}`,
    }),
    figure(ID, 'before this work: records as plain JSON, X-Ray on (baseline = busy)', p.before, PER_M, {
      baseline: p.headline,
    }),
    figure(ID, 'DynamoDB write units per webhook', u.dynamoWru, 'WRU'),
    figure(ID, 'DynamoDB read units per webhook', u.dynamoRru, 'RRU'),
    figure(ID, 'SQS requests per webhook (64 KB chunks)', u.sqsRequests, 'requests'),
    figure(ID, 'Lambda GB-ms per webhook (Arm, 256 MB)', u.lambdaGbSeconds * 1000, 'GB-ms'),
    figure(ID, 'CloudWatch Logs bytes per webhook', u.logBytes, 'bytes'),
    ...busyAlt.map(([name, value]) =>
      figure(ID, `alternative: ${name} (baseline = busy)`, value, PER_M, { baseline: p.headline }),
    ),
    ...quietAlt.map(([name, value]) =>
      figure(ID, `alternative: ${name} (baseline = quiet)`, value, PER_M, { baseline: quiet }),
    ),
    figure(ID, `sync: $ per million records, first sync (${sync.firstRecords} written)`, total(sync.first), PER_M),
    figure(
      ID,
      `sync: $ per million records re-checked by a scheduled run (${sync.recheck})`,
      total(sync.second),
      PER_M,
    ),
    figure(
      ID,
      'alternative: sync re-check with eventually consistent reads (baseline = re-check)',
      sync.eventualReads,
      PER_M,
      {
        baseline: total(sync.second),
      },
    ),
  ];
}

/**
 * Cost: billable AWS requests per 5 KB webhook and per synced record, counted while the deployed
 * handler modules run a realistic mix locally (see bench/cost/*: what is counted where), priced at
 * on-demand us-east-1 prices (bench/prices.ts, with their sources and date). The same events run five
 * times: as deployed (batches of up to 50, the ingest at the prod stage's log level), in batches of 1, every
 * function at WARN, every function at INFO, and with records stored as plain JSON; the first two split usage into per-event and per-batch parts, which give the figure at
 * any batch fill. Design choices that need no run (archive, idempotency writes, X-Ray, EMF, cache
 * TTL, batching window) are priced from the same counts. Free tiers and fixed monthly costs (secrets
 * stored, alarms, idle queue polling) are left out: they do not grow with webhooks.
 */
export const cost: Scenario = {
  id: ID,
  description: `billable requests per 5 KB webhook (mix of ${PROVIDERS} providers, ${MIX.duplicate * 100} % duplicates, ${MIX.outOfOrder * 100} % out of order) and per synced record, priced at on-demand ${PRICES.region} prices of ${PRICES.date}`,
  async run(opts: RunOptions = {}): Promise<Figure[]> {
    const store = await startServer<{ endpoint: string }>(DYNALITE);
    const endpoint = store.info.endpoint;
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const admin = createDynamoClient({ endpoint, region: 'local', credentials });
    try {
      const runs = await runAll(endpoint, admin, opts);
      const p = pricing(runs);
      const sync = syncCosts(runs.sync);
      const [busyAlt, quietAlt] = [busyAlternatives(runs, p), quietAlternatives(p)];
      explainCost(runs, p, sync, [...busyAlt, ...quietAlt]);
      return costFigures(p, sync, busyAlt, quietAlt);
    } finally {
      admin.destroy();
      await store.stop();
    }
  },
};
