import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteTableCommand, waitUntilTableExists, waitUntilTableNotExists } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../lambdas/adapters/dynamodb';
import { TABLES } from '../../lambdas/core/tables';
import { getProvider } from '../../lambdas/providers';
import { stageConfig } from '../../lib/stages';
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
/** lib/webhook-integration.ts: batches of up to 10, gathered for at most 1 s. */
const BATCH_SIZE = 10;
const BATCH_WINDOW_S = 1;
const PROVIDERS = Object.keys(PROVIDER_SHARE).length;
/** The handlers' secret cache (SECRETS_MAX_AGE_SECONDS, default 300 in lambdas/handlers/webhook-ingest.ts). */
const SECRETS_TTL_S = 300;

const BUSY: Profile = {
  name: 'busy',
  label: '10 webhooks/s per provider: full batches of 10',
  perProvider: 10,
  providers: PROVIDERS,
};
const QUIET: Profile = {
  name: 'quiet',
  label: `1 M webhooks a month over ${PROVIDERS} providers: batches of ~1`,
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

/**
 * Cost: billable AWS requests per 5 KB webhook and per synced record, counted while the deployed
 * handler modules run a realistic mix locally (see bench/cost/*: what is counted where), priced at
 * on-demand us-east-1 prices (bench/prices.ts, with their sources and date). The same events run four
 * times: as deployed (batches of 10), in batches of 1, at log level WARN, and with records stored as
 * plain JSON; the first two split usage into per-event and per-batch parts, which give the figure at
 * any batch fill. Design choices that need no run (archive, idempotency writes, X-Ray, EMF, cache
 * TTL, batching window) are priced from the same counts. Free tiers and fixed monthly costs (secrets
 * stored, alarms, idle queue polling) are left out: they do not grow with webhooks.
 */
export const cost: Scenario = {
  id: ID,
  description: `billable requests per 5 KB webhook (mix of ${PROVIDERS} providers, ${MIX.duplicate * 100} % duplicates, ${MIX.outOfOrder * 100} % out of order) and per synced record, priced at on-demand ${PRICES.region} prices of ${PRICES.date}`,
  async run(opts: RunOptions = {}): Promise<Figure[]> {
    const count = opts.quick ? 100 : 240;
    const days = opts.quick ? 4 : 10;
    const { events, split } = mixEvents(count);
    const store = await startServer<{ endpoint: string }>(DYNALITE);
    const endpoint = store.info.endpoint;
    const admin = createDynamoClient({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const freshTables = async () => {
      for (const spec of Object.values(TABLES)) {
        await admin.send(new DeleteTableCommand({ TableName: spec.name })).catch(() => undefined);
        await waitUntilTableNotExists(
          { client: admin, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.1 },
          { TableName: spec.name },
        );
        await createTable(admin, spec);
        await waitUntilTableExists(
          { client: admin, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.1 },
          { TableName: spec.name },
        );
      }
    };
    const run = async (o: { batchSize: number; logLevel: 'INFO' | 'WARN'; gzipRecords: boolean }) => {
      await freshTables();
      const t0 = performance.now();
      const r = await runWebhooks({ events, split, endpoint, ...o });
      console.error(
        `  ${count} webhooks, batch ${o.batchSize}, ${o.logLevel}${o.gzipRecords ? '' : ', records as plain JSON'}: ${((performance.now() - t0) / 1000).toFixed(1)} s; ${r.batches} batches; outcomes ${JSON.stringify(r.outcomes)}`,
      );
      return r;
    };
    try {
      const deployed = await run({ batchSize: BATCH_SIZE, logLevel: 'INFO', gzipRecords: true });
      const single = await run({ batchSize: 1, logLevel: 'INFO', gzipRecords: true });
      const warn = await run({ batchSize: BATCH_SIZE, logLevel: 'WARN', gzipRecords: true });
      const plain = await run({ batchSize: BATCH_SIZE, logLevel: 'INFO', gzipRecords: false });
      await freshTables();
      const sync = await runSync({ endpoint, days });

      const stage = stageConfig('prod');
      const ttl = SECRETS_TTL_S;
      const model = batchModel(
        { usage: perEvent(deployed), batch: deployed.events / deployed.batches },
        { usage: perEvent(single), batch: 1 },
      );
      const traffic = (u: Usage, p: Profile, batch: number, o: { tracing?: boolean; ttl?: number } = {}) =>
        withTraffic(u, p, {
          batch,
          secretsCallsPerTtl: deployed.secretsCalls,
          ttlSeconds: o.ttl ?? ttl,
          tracing: o.tracing ?? stage.tracing,
        });
      const quietBatch = meanBatch(QUIET.perProvider, BATCH_WINDOW_S, BATCH_SIZE);
      const busyUsage = traffic(atBatch(model, BATCH_SIZE), BUSY, BATCH_SIZE);
      const quietUsage = traffic(atBatch(model, quietBatch), QUIET, quietBatch);
      const busy = perMillion(busyUsage);
      const quiet = perMillion(quietUsage);
      const headline = total(busy);

      // Alternatives, each one change from the busy figure.
      const swap = (change: (u: Usage) => Usage) => total(perMillion(change(busyUsage)));
      const idem = deployed.dynamo.tables.get(TABLES.idempotency.name)!;
      const records = deployed.dynamo.tables.get(TABLES.records.name)!;
      const dupRate = deployed.outcomes.replayed / deployed.events;
      const recordWru =
        records.wru /
        Math.max(
          1,
          [...records.requests.entries()].filter(([op]) => op === 'PutItem').reduce((n, [, v]) => n + v, 0),
        );
      const relative = (r: WebhookRunResult) => {
        // The same change in the other run, moved onto the busy figure: per-event difference, same batch fill.
        const d = perEvent(r);
        const base = perEvent(deployed);
        return (u: Usage) =>
          Object.fromEntries(
            Object.entries(u).map(([k, v]) => [k, v + d[k as keyof Usage] - base[k as keyof Usage]]),
          ) as unknown as Usage;
      };
      const bytes = (match: (k: string) => boolean) => deployed.logs.sum(match) / deployed.events;
      const deltas: [string, number][] = [
        ['processor batch size 1 instead of 10', total(perMillion(traffic(atBatch(model, 1), BUSY, 1)))],
        ['archive: one S3 PUT per event instead of per batch', swap((u) => ({ ...u, s3Puts: 1 }))],
        ['archive off', swap((u) => ({ ...u, s3Puts: 0 }))],
        [
          `no Powertools idempotency (records' version condition dedupes; ${(dupRate * 100).toFixed(0)} % duplicates then cost a failed put + read)`,
          swap((u) => ({
            ...u,
            dynamoWru: u.dynamoWru - idem.wru / deployed.events + dupRate * recordWru,
            dynamoRru: u.dynamoRru - idem.rru / deployed.events + dupRate,
          })),
        ],
        ['records entity data as plain JSON instead of gzip', swap(relative(plain))],
        ['log level WARN instead of INFO (no per-webhook INFO lines)', swap(relative(warn))],
        [
          'no EMF document from the ingest (per webhook)',
          swap((u) => ({ ...u, logBytes: u.logBytes - bytes((k) => k === 'ingest:emf') })),
        ],
        [
          `X-Ray active tracing ${stage.tracing ? 'off' : 'on'} (every function)`,
          total(perMillion(traffic(atBatch(model, BATCH_SIZE), BUSY, BATCH_SIZE, { tracing: !stage.tracing }))),
        ],
      ];
      const quietDeltas: [string, number][] = [
        [
          `quiet, X-Ray active tracing ${stage.tracing ? 'off' : 'on'}`,
          total(perMillion(traffic(atBatch(model, quietBatch), QUIET, quietBatch, { tracing: !stage.tracing }))),
        ],
        [
          'quiet, secrets cached 1 h instead of 5 min',
          total(perMillion(traffic(atBatch(model, quietBatch), QUIET, quietBatch, { ttl: 3600 }))),
        ],
        ...[20, 60].map((w): [string, number] => {
          const b = meanBatch(QUIET.perProvider, w, BATCH_SIZE);
          return [
            `quiet, batching window ${w} s (batches of ${b.toFixed(1)})`,
            total(perMillion(traffic(atBatch(model, b), QUIET, b))),
          ];
        }),
      ];

      const before = total(
        perMillion(traffic(relative(plain)(atBatch(model, BATCH_SIZE)), BUSY, BATCH_SIZE, { tracing: true })),
      );

      // Sync: per record written by a first sync, and per record a scheduled run re-checks unchanged.
      const firstRecords = sync.first.summary.recordsWritten;
      const recheck =
        sync.second.summary.recordsUnchanged + sync.second.summary.recordsWritten + sync.second.summary.recordsStale;
      const syncFirst = priceUsage(scaleUsage(sync.first.usage, 1e6 / firstRecords));
      const syncSecond = priceUsage(scaleUsage(sync.second.usage, 1e6 / Math.max(1, recheck)));
      // The sync write rule reads before it writes, strongly consistent; its conditional put re-checks anyway.
      const recheckReads = sync.second.tables.get(TABLES.records.name)?.rru ?? 0;
      const eventualReads = total(
        priceUsage(
          scaleUsage(
            { ...sync.second.usage, dynamoRru: sync.second.usage.dynamoRru - recheckReads / 2 },
            1e6 / Math.max(1, recheck),
          ),
        ),
      );
      const secrets = Object.keys(PROVIDER_SHARE).reduce((n, name) => n + (getProvider(name)?.secrets.length ?? 0), 0);

      const perWebhook = busyUsage;
      console.error(
        `  prices: ${PRICES.region}, on-demand, as of ${PRICES.date} (bench/prices.ts); ingest ${median(deployed.ingest.durations).toFixed(1)} ms, processor ${median(deployed.processor.durations).toFixed(0)} ms per batch of ${(deployed.events / deployed.batches).toFixed(1)} (medians, service latencies slept, dynalite on a loaded machine)`,
      );
      console.error(
        `  per webhook (busy): ${perWebhook.dynamoWru.toFixed(2)} WRU (idempotency ${(idem.wru / deployed.events).toFixed(2)}, records ${(records.wru / deployed.events).toFixed(2)}: ${recordWru.toFixed(2)} per put), ${perWebhook.dynamoRru.toFixed(2)} RRU, ${perWebhook.sqsRequests.toFixed(2)} SQS requests, ${perWebhook.lambdaInvocations.toFixed(2)} invocations, ${(perWebhook.lambdaGbSeconds * 1000).toFixed(2)} GB-ms, ${perWebhook.s3Puts.toFixed(2)} S3 PUTs, ${Math.round(perWebhook.logBytes)} log bytes`,
      );
      console.error(
        `  log bytes per webhook: ${[...deployed.logs.bytes.entries()].map(([k, v]) => `${k} ${Math.round(v / deployed.events)}`).join(', ')}`,
      );
      console.error(
        `  Secrets Manager: ${deployed.secretsCalls} GetSecretValue calls for ${deployed.events} webhooks over ${PROVIDERS} ingest functions (one per secret per function per ${ttl} s cache TTL)`,
      );
      console.error(
        `\n${breakdownTable([
          [`busy`, busy],
          [`quiet`, quiet],
          ['sync, first', syncFirst],
          ['sync, re-check', syncSecond],
        ])}\n`,
      );
      console.error(
        `  busy: ${BUSY.label}; quiet: ${QUIET.label} (${quietBatch.toFixed(2)} in a ${BATCH_WINDOW_S} s window). Sync columns: per million records.`,
      );
      for (const [name, value] of [...deltas, ...quietDeltas])
        console.error(
          `  ${name}: ${usd(value)}/M (${value >= (name.startsWith('quiet') ? total(quiet) : headline) ? '+' : ''}${usd(value - (name.startsWith('quiet') ? total(quiet) : headline))})`,
        );
      console.error(`  before this work (records as plain JSON, X-Ray on every function): ${usd(before)}/M`);
      console.error(
        `  sync, re-check with eventually consistent reads: ${usd(eventualReads)}/M (${usd(eventualReads - total(syncSecond))})`,
      );
      console.error(
        `  fixed, not per webhook: ${secrets} secrets of these providers x $${PRICES.secretsManager.perSecretMonth} = $${(secrets * PRICES.secretsManager.perSecretMonth).toFixed(2)} a month; alarms, dashboard, idle queue polling and storage likewise`,
      );
      console.error(
        `  sync: first run ${firstRecords} records written (${sync.first.summary.requests} requests, ${(sync.first.durationMs / 1000).toFixed(1)} s); scheduled re-run ${recheck} records re-checked, ${sync.second.summary.recordsWritten} written`,
      );

      return [
        figure(ID, 'busy: $ per million 5 KB webhooks, end to end, archive included', headline, PER_M, {
          target: `<= 5 ${PER_M}`,
        }),
        ...SERVICES.filter((s) => busy[s] > 0).map((s) => figure(ID, `busy: ${SERVICE_LABELS[s]}`, busy[s], PER_M)),
        figure(ID, 'quiet (1 M a month): $ per million webhooks (baseline = busy)', total(quiet), PER_M, {
          baseline: headline,
        }),
        figure(ID, 'before this work: records as plain JSON, X-Ray on (baseline = busy)', before, PER_M, {
          baseline: headline,
        }),
        figure(ID, 'DynamoDB write units per webhook', perWebhook.dynamoWru, 'WRU'),
        figure(ID, 'DynamoDB read units per webhook', perWebhook.dynamoRru, 'RRU'),
        figure(ID, 'SQS requests per webhook (64 KB chunks)', perWebhook.sqsRequests, 'requests'),
        figure(ID, 'Lambda GB-ms per webhook (Arm, 256 MB)', perWebhook.lambdaGbSeconds * 1000, 'GB-ms'),
        figure(ID, 'CloudWatch Logs bytes per webhook', perWebhook.logBytes, 'bytes'),
        ...deltas.map(([name, value]) =>
          figure(ID, `alternative: ${name} (baseline = busy)`, value, PER_M, { baseline: headline }),
        ),
        ...quietDeltas.map(([name, value]) =>
          figure(ID, `alternative: ${name} (baseline = quiet)`, value, PER_M, { baseline: total(quiet) }),
        ),
        figure(ID, `sync: $ per million records, first sync (${firstRecords} written)`, total(syncFirst), PER_M),
        figure(ID, `sync: $ per million records re-checked by a scheduled run (${recheck})`, total(syncSecond), PER_M),
        figure(
          ID,
          'alternative: sync re-check with eventually consistent reads (baseline = re-check)',
          eventualReads,
          PER_M,
          { baseline: total(syncSecond) },
        ),
      ];
    } finally {
      admin.destroy();
      await store.stop();
    }
  },
};
