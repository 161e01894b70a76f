import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDynamoClient } from '../../lambdas/adapters/dynamodb';
import { figure, type Figure, type RunOptions, type Scenario } from '../figure';
import { sqsBatches } from '../processor/batches';
import { countRequests } from '../processor/count-requests';
import { processBatches, processorUnderTest, rawConditionalPuts } from '../processor/run-processor';
import { startServer } from '../webhook-ingest/load';

const HERE = join(fileURLToPath(import.meta.url), '..', '..', 'processor');
const BATCH_SIZE = 10;
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

/**
 * Processor throughput: SQS batches of 10 GitHub webhooks (2-5 KB, distinct delivery ids) through
 * the event-processor handler (Powertools batch + idempotency, records upsert-if-newer, archive) on
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
    'SQS batches of 10 GitHub webhooks through the event processor (idempotency + records + archive) on dynalite, 5 batches at once, vs dynalite raw conditional writes',
  async run(opts: RunOptions = {}): Promise<Figure[]> {
    const rounds = opts.quick ? 1 : 5;
    const perRound = opts.quick ? 200 : 300;
    const warmup = opts.quick ? 100 : 300;
    const store = await startServer<{ endpoint: string }>(join(HERE, 'dynalite-server.ts'));
    const connect = () =>
      createDynamoClient({
        endpoint: store.info.endpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
    const processorClient = connect();
    const baselineClient = connect();
    try {
      const counts = countRequests(processorClient);
      const { handle, deadLettered } = processorUnderTest(processorClient);
      const warm = await sqsBatches(warmup, BATCH_SIZE, 1);
      const measured = await Promise.all(
        Array.from({ length: rounds }, (_, r) => sqsBatches(perRound, BATCH_SIZE, warmup + 1 + r * perRound)),
      );

      await processBatches(handle, warm, CONCURRENCY);
      const writesPerEvent = counts.writes / warmup;
      const bytesPerWrite = counts.writeBytes / counts.writes;
      const operations = [...counts.byOperation].map(([op, n]) => `${op} ${(n / warmup).toFixed(2)}`).join(', ');
      // As many requests in flight as the processor can have: 5 invocations x 10 records in parallel.
      const inFlight = CONCURRENCY * BATCH_SIZE;
      const putsPerRound = Math.round(perRound * writesPerEvent);
      await rawConditionalPuts(baselineClient, {
        count: putsPerRound,
        concurrency: inFlight,
        itemBytes: bytesPerWrite,
        prefix: 'bench-warm',
      });

      const eventsPerSecond: number[] = [];
      let processorSeconds = 0;
      const putsPerSecond: number[] = [];
      // CPU of this process per event / per raw put: the processor's own cost, whatever the store's speed;
      // and dynalite's CPU, to tell which side limits each phase.
      const cpu = { processor: 0, raw: 0 };
      const storeCpu = { processor: 0, raw: 0 };
      const wall = { processor: 0, raw: 0 };
      const cpuOf = async (key: keyof typeof cpu, work: () => Promise<number>): Promise<number> => {
        const start = process.cpuUsage();
        const storeStart = childCpuMicros(store.child.pid);
        const seconds = await work();
        const used = process.cpuUsage(start);
        cpu[key] += used.user + used.system;
        storeCpu[key] += childCpuMicros(store.child.pid) - storeStart;
        wall[key] += seconds;
        return seconds;
      };
      counts.reset();
      for (let r = 0; r < rounds; r += 1) {
        const raw = async () => {
          const seconds = await cpuOf('raw', () =>
            rawConditionalPuts(baselineClient, {
              count: putsPerRound,
              concurrency: inFlight,
              itemBytes: bytesPerWrite,
              prefix: `bench-${r}`,
            }),
          );
          putsPerSecond.push(putsPerRound / seconds);
        };
        const proc = async () => {
          const seconds = await cpuOf('processor', () => processBatches(handle, measured[r]!, CONCURRENCY));
          eventsPerSecond.push(perRound / seconds);
          processorSeconds += seconds;
        };
        if (r % 2 === 0) await raw().then(proc);
        else await proc().then(raw);
      }
      if (deadLettered.length > 0)
        throw new Error(
          `${deadLettered.length} events were dead-lettered: ${deadLettered[0]!.attributes.failureReason}`,
        );
      const measuredWrites = counts.writes / (rounds * perRound);
      if (Math.abs(measuredWrites - writesPerEvent) > 0.01)
        throw new Error(
          `writes per event changed between warmup (${writesPerEvent}) and measurement (${measuredWrites})`,
        );
      const ceiling = median(putsPerSecond) / writesPerEvent;
      const id = 'processor' as const;
      // Fewer than `inFlight` on average: an invocation ends with its slowest record, then the next batch starts.
      const share = (key: keyof typeof cpu, of: Record<keyof typeof cpu, number>) =>
        `${((of[key] / 1e6 / wall[key]) * 100).toFixed(0)} %`;
      console.error(
        `  processor DynamoDB requests per event: ${operations}; ${Math.round(bytesPerWrite)} B per write; ${(counts.inFlightSeconds / processorSeconds).toFixed(1)} requests in flight on average (baseline: ${inFlight})`,
      );
      if (counts.retries > 0)
        console.error(`  ${counts.retries} requests were retried by the SDK (not counted as writes)`);
      console.error(
        `  per round: events/s ${eventsPerSecond.map(Math.round).join(', ')}; raw writes/s ${putsPerSecond.map(Math.round).join(', ')}`,
      );
      console.error(
        `  CPU of a core, processor rounds: bench ${share('processor', cpu)}, dynalite ${share('processor', storeCpu)}; raw-write rounds: bench ${share('raw', cpu)}, dynalite ${share('raw', storeCpu)}`,
      );
      return [
        figure(id, 'DynamoDB writes per event, counted on the wire', writesPerEvent, 'writes'),
        figure(id, `dynalite raw conditional PutItem, ${inFlight} in flight`, median(putsPerSecond), 'writes/s'),
        figure(
          id,
          'processor CPU per event (baseline = SDK CPU of its raw writes)',
          cpu.processor / (rounds * perRound),
          'us',
          { baseline: (writesPerEvent * cpu.raw) / (rounds * putsPerRound) },
        ),
        // Load-independent: when other work starves both processes, throughput follows CPU granted / CPU needed.
        figure(
          id,
          'CPU per event, processor + dynalite (baseline = its raw writes)',
          (cpu.processor + storeCpu.processor) / (rounds * perRound),
          'us',
          { baseline: (writesPerEvent * (cpu.raw + storeCpu.raw)) / (rounds * putsPerRound) },
        ),
        figure(
          id,
          `throughput, ${CONCURRENCY} batches of ${BATCH_SIZE} at once (baseline = store ceiling)`,
          median(eventsPerSecond),
          'events/s',
          { baseline: ceiling, target: '>= 0.7 ratio' },
        ),
      ];
    } finally {
      processorClient.destroy();
      baselineClient.destroy();
      await store.stop();
    }
  },
};
