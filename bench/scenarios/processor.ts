import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDynamoClient } from '../../lambdas/adapters/dynamodb';
import { WEBHOOK_BATCH } from '../../lib/webhook-integration';
import { figure, type Figure, type RunOptions, type Scenario } from '../figure';
import { sqsBatches } from '../processor/batches';
import { countRequests } from '../processor/count-requests';
import { processBatches, processorUnderTest, rawConditionalPuts } from '../processor/run-processor';
import { startServer } from '../webhook-ingest/load';

const HERE = join(fileURLToPath(import.meta.url), '..', '..', 'processor');
/** As deployed (lib/webhook-integration.ts). */
const BATCH_SIZE = WEBHOOK_BATCH.size;
/** The event source mapping's maximum concurrency: 5 batches in flight. */
const CONCURRENCY = 5;
// utime + stime of a process from /proc (Linux), in microseconds; 0 where /proc is absent.
function childCpuMicros(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  } catch {
    return 0;
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

type Side = 'processor' | 'raw';

/** What the measured rounds came to: rates per round, and CPU (this process and dynalite's) and wall time per side. */
interface Rounds {
  eventsPerSecond: number[];
  putsPerSecond: number[];
  processorSeconds: number;
  cpu: Record<Side, number>;
  storeCpu: Record<Side, number>;
  wall: Record<Side, number>;
}

interface Setup {
  rounds: number;
  perRound: number;
  writesPerEvent: number;
  bytesPerWrite: number;
  putsPerRound: number;
  /** As many requests in flight as the processor can have: 5 invocations x a batch of records in parallel. */
  inFlight: number;
}

/**
 * Alternating rounds of the processor and of raw conditional puts at the same requests in flight, each timed;
 * CPU of this process per event / per raw put (the processor's own cost, whatever the store's speed) and
 * dynalite's CPU, to tell which side limits each phase.
 */
async function measureRounds(
  setup: Setup,
  run: { processor: (r: number) => Promise<number>; raw: (r: number) => Promise<number> },
  storePid: number | undefined,
): Promise<Rounds> {
  const zero = () => ({ processor: 0, raw: 0 });
  const out: Rounds = {
    eventsPerSecond: [],
    putsPerSecond: [],
    processorSeconds: 0,
    cpu: zero(),
    storeCpu: zero(),
    wall: zero(),
  };
  const timed = async (side: Side, r: number): Promise<number> => {
    const start = process.cpuUsage();
    const storeStart = childCpuMicros(storePid);
    const seconds = await run[side](r);
    const used = process.cpuUsage(start);
    out.cpu[side] += used.user + used.system;
    out.storeCpu[side] += childCpuMicros(storePid) - storeStart;
    out.wall[side] += seconds;
    return seconds;
  };
  const raw = async (r: number) => void out.putsPerSecond.push(setup.putsPerRound / (await timed('raw', r)));
  const proc = async (r: number) => {
    const seconds = await timed('processor', r);
    out.eventsPerSecond.push(setup.perRound / seconds);
    out.processorSeconds += seconds;
  };
  for (let r = 0; r < setup.rounds; r += 1) {
    if (r % 2 === 0) await raw(r).then(() => proc(r));
    else await proc(r).then(() => raw(r));
  }
  return out;
}

function processorFigures(setup: Setup, m: Rounds): Figure[] {
  const id = 'processor' as const;
  const { rounds, perRound, writesPerEvent, putsPerRound, inFlight } = setup;
  const ceiling = median(m.putsPerSecond) / writesPerEvent;
  return [
    figure(id, 'DynamoDB writes per event, counted on the wire', writesPerEvent, 'writes'),
    figure(id, `dynalite raw conditional PutItem, ${inFlight} in flight`, median(m.putsPerSecond), 'writes/s'),
    figure(
      id,
      'processor CPU per event (baseline = SDK CPU of its raw writes)',
      m.cpu.processor / (rounds * perRound),
      'us',
      {
        baseline: (writesPerEvent * m.cpu.raw) / (rounds * putsPerRound),
      },
    ),
    // Load-independent: when other work starves both processes, throughput follows CPU granted / CPU needed.
    figure(
      id,
      'CPU per event, processor + dynalite (baseline = its raw writes)',
      (m.cpu.processor + m.storeCpu.processor) / (rounds * perRound),
      'us',
      { baseline: (writesPerEvent * (m.cpu.raw + m.storeCpu.raw)) / (rounds * putsPerRound) },
    ),
    figure(
      id,
      `throughput, ${CONCURRENCY} batches of ${BATCH_SIZE} at once (baseline = store ceiling)`,
      median(m.eventsPerSecond),
      'events/s',
      { baseline: ceiling, target: '>= 0.75 ratio' },
    ),
  ];
}

function explain(setup: Setup, m: Rounds, counts: ReturnType<typeof countRequests>, operations: string): void {
  // Fewer than `inFlight` on average: an invocation ends with its slowest record, then the next batch starts.
  const share = (key: Side, of: Record<Side, number>) => `${((of[key] / 1e6 / m.wall[key]) * 100).toFixed(0)} %`;
  console.error(
    `  processor DynamoDB requests per event: ${operations}; ${Math.round(setup.bytesPerWrite)} B per write; ${(counts.inFlightSeconds / m.processorSeconds).toFixed(1)} requests in flight on average (baseline: ${setup.inFlight})`,
  );
  if (counts.retries > 0) console.error(`  ${counts.retries} requests were retried by the SDK (not counted as writes)`);
  console.error(
    `  per round: events/s ${m.eventsPerSecond.map(Math.round).join(', ')}; raw writes/s ${m.putsPerSecond.map(Math.round).join(', ')}`,
  );
  console.error(
    `  CPU of a core, processor rounds: bench ${share('processor', m.cpu)}, dynalite ${share('processor', m.storeCpu)}; raw-write rounds: bench ${share('raw', m.cpu)}, dynalite ${share('raw', m.storeCpu)}`,
  );
}

/**
 * Processor throughput: SQS batches of 50 GitHub webhooks (2-5 KB, distinct delivery ids) through
 * the event-processor handler (Powertools batch, records upsert-if-newer, archive) on
 * dynalite, 5 invocations at once. Ceiling, in the same run and alternating rounds: dynalite's raw
 * conditional PutItem throughput at the same number of requests in flight, divided by the DynamoDB
 * writes the processor sends per event (counted on the wire).
 *
 * Fair on a shared 2-core machine: dynalite runs in its own process (in AWS the store is not on the
 * Lambda's CPU); the processor and the raw-write baseline run in this process on the same SDK client
 * setup. The 5 "Lambdas" share one core here, where AWS would give each its own.
 * Profile: `node --cpu-prof --import tsx bench/run.ts --scenario processor`.
 */
export const processor: Scenario = {
  id: 'processor',
  description:
    'SQS batches of 50 GitHub webhooks through the event processor (records + archive) on dynalite, 5 batches at once, vs dynalite raw conditional writes',
  async run(opts: RunOptions = {}): Promise<Figure[]> {
    // The processor's code takes about 2,000 events to reach steady JIT state (raw writes sooner): warm both first.
    const [rounds, perRound, warmup] = opts.quick ? [1, 200, 500] : [7, 500, 2000];
    const store = await startServer<{ endpoint: string }>(join(HERE, 'dynalite-server.ts'));
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const connect = () => createDynamoClient({ endpoint: store.info.endpoint, region: 'local', credentials });
    const processorClient = connect();
    const baselineClient = connect();
    try {
      const counts = countRequests(processorClient);
      const { handle, deadLettered } = processorUnderTest(processorClient);
      const warm = await sqsBatches(warmup, BATCH_SIZE, 1);
      const batches = await Promise.all(
        Array.from({ length: rounds }, (_, r) => sqsBatches(perRound, BATCH_SIZE, warmup + 1 + r * perRound)),
      );
      await processBatches(handle, warm, CONCURRENCY);
      const writesPerEvent = counts.writes / warmup;
      const operations = [...counts.byOperation].map(([op, n]) => `${op} ${(n / warmup).toFixed(2)}`).join(', ');
      const bytesPerWrite = counts.writeBytes / counts.writes;
      const putsPerRound = Math.round(perRound * writesPerEvent);
      const inFlight = CONCURRENCY * BATCH_SIZE;
      const setup: Setup = { rounds, perRound, writesPerEvent, bytesPerWrite, putsPerRound, inFlight };
      const puts = (prefix: string, count = putsPerRound) =>
        rawConditionalPuts(baselineClient, {
          count,
          concurrency: inFlight,
          itemBytes: bytesPerWrite,
          prefix,
        });
      await puts('bench-warm', Math.round(warmup * writesPerEvent));
      counts.reset();
      const measured = await measureRounds(
        setup,
        { raw: (r) => puts(`bench-${r}`), processor: (r) => processBatches(handle, batches[r]!, CONCURRENCY) },
        store.child.pid,
      );
      if (deadLettered.length > 0)
        throw new Error(
          `${deadLettered.length} events were dead-lettered: ${deadLettered[0]!.attributes.failureReason}`,
        );
      const measuredWrites = counts.writes / (rounds * perRound);
      if (Math.abs(measuredWrites - writesPerEvent) > 0.01)
        throw new Error(
          `writes per event changed between warmup (${writesPerEvent}) and measurement (${measuredWrites})`,
        );
      explain(setup, measured, counts, operations);
      return processorFigures(setup, measured);
    } finally {
      processorClient.destroy();
      baselineClient.destroy();
      await store.stop();
    }
  },
};
