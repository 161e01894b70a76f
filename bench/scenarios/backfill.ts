import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, createDynamoClient } from '../../lambdas/adapters/dynamodb';
import { DynamoRecordStore } from '../../lambdas/adapters/record-store';
import { DynamoSyncState } from '../../lambdas/adapters/sync-state';
import { createClient, realTime } from '../../lambdas/core/client';
import { silentTelemetry } from '../../lambdas/core/ports';
import { runPoll, type RunSummary } from '../../lambdas/core/sync/run-poll';
import { instant } from '../../lambdas/core/sync/windows';
import { football } from '../../lambdas/providers/football';
import { FootballSimulator, type FootballFaultSettings } from '../../local/simulators';
import { figure, type Figure, type Scenario } from '../figure';
import { startServer } from '../webhook-ingest/load';

// dynalite in a process of its own, as DynamoDB is remote: its CPU does not compete with the sync's.
const DYNALITE = join(fileURLToPath(import.meta.url), '..', '..', 'processor', 'dynalite-server.ts');

// API-Football's Mega plan: 900 requests a minute, which the client paces at 15 a second.
const PER_MINUTE = 900;
const RATE = PER_MINUTE / 60;
const LEAGUES = 30;
const PAGE_SIZE = 5;
const FROM = '2024-09-01';
const TO = '2024-10-01';
const KEY = 'bench-apisports-key';

interface Timed {
  s: RunSummary;
  seconds: number;
  puts: number;
}

/** A DynamoDB client that counts its puts, so the second run shows what dedupe saved. */
function countingClient(endpoint: string): { client: DynamoDBClient; puts: string[] } {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const client = createDynamoClient({ endpoint, region: 'local', credentials });
  const puts: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'PutCommand' || context.commandName === 'PutItemCommand') puts.push('put');
      return next(args);
    },
    { step: 'initialize', name: 'countPuts' },
  );
  return { client, puts };
}

const fetched = (r: RunSummary) => r.recordsWritten + r.recordsUnchanged + r.recordsStale;

function backfillFigures(first: Timed, second: Timed): Figure[] {
  const id = 'backfill' as const;
  // The client may send its first burst at once, then one request every 1/RATE s.
  const floor = (first.s.requests - RATE) / RATE;
  const saved = (100 * (fetched(second.s) - second.puts)) / fetched(second.s);
  return [
    figure(id, `pages in the month (${fetched(first.s)} fixtures, ${first.s.windows} days)`, first.s.pages, 'pages'),
    figure(id, `rate-limit floor: (requests - burst) at ${PER_MINUTE} per minute`, floor, 's'),
    figure(id, 'first run: wall time (baseline = floor)', first.seconds, 's', {
      baseline: floor,
      target: '<= 1.3 ratio',
    }),
    figure(id, 'first run: records written per second', first.s.recordsWritten / first.seconds, 'records/s'),
    figure(id, 'first run: requests per record written', first.s.requests / first.s.recordsWritten, 'requests'),
    figure(id, 'first run: 429s (rate limit in a 200) received', first.s.http429, 'responses'),
    figure(id, 'second run: wall time (baseline = floor)', second.seconds, 's', { baseline: floor }),
    figure(id, 'second run: records written (baseline = records fetched)', second.s.recordsWritten, 'records', {
      baseline: fetched(second.s),
      target: '~0',
    }),
    figure(id, 'second run: DynamoDB puts (baseline = first run)', second.puts, 'puts', {
      baseline: first.puts,
      target: '0',
    }),
    figure(id, 'writes saved by dedupe on the second run', saved, '%', { target: '>= 99 %' }),
  ];
}

export const backfill: Scenario = {
  id: 'backfill',
  description: `a month of fixtures (${LEAGUES} leagues, ${PAGE_SIZE} per page) from the API-Football simulator allowing ${PER_MINUTE} requests/minute, twice`,
  async run(): Promise<Figure[]> {
    const sim = new FootballSimulator({ key: KEY, seasons: [2024], leagues: LEAGUES, pageSize: PAGE_SIZE });
    await sim.listen();
    sim.faults.update({ football: { perMinute: PER_MINUTE } } as FootballFaultSettings);
    const dynamo = await startServer<{ endpoint: string }>(DYNALITE);
    const { client, puts } = countingClient(dynamo.info.endpoint);
    const doc = createDocumentClient(client);
    const definition = { ...football, rateLimit: { requestsPerSecond: RATE, burst: RATE } };
    const api = createClient({ definition, secrets: { get: async () => KEY }, time: realTime, baseUrl: sim.url });
    const deps = {
      client: api,
      records: new DynamoRecordStore(doc, 'records'),
      state: new DynamoSyncState(doc, { checkpoints: 'checkpoints', gaps: 'gaps', quarantine: 'quarantine' }),
      telemetry: silentTelemetry,
      now: Date.now,
    };
    const range = { from: instant(FROM), to: instant(TO) };
    const timed = async (traceId: string): Promise<Timed> => {
      puts.length = 0;
      const started = performance.now();
      const s = await runPoll({ provider: definition, poll: definition.polls![0]!, range }, { ...deps, traceId });
      return { s, seconds: (performance.now() - started) / 1000, puts: puts.length };
    };
    try {
      const first = await timed('backfill-1');
      const second = await timed('backfill-2');
      for (const { s } of [first, second])
        if (s.gapsOpen > 0 || s.windows !== 30) throw new Error(`backfill incomplete: ${JSON.stringify(s)}`);
      return backfillFigures(first, second);
    } finally {
      await sim.close();
      client.destroy();
      await dynamo.stop();
    }
  },
};
