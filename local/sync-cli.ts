import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SingleBar } from 'cli-progress';
import pLimit from 'p-limit';
import { createDocumentClient, createDynamoClient } from '../lambdas/adapters/dynamodb';
import { LambdaInvoker, type InvokeResult } from '../lambdas/adapters/lambda-invoker';
import { DynamoRecordStore } from '../lambdas/adapters/record-store';
import { DynamoSyncState } from '../lambdas/adapters/sync-state';
import { PowertoolsTelemetry } from '../lambdas/adapters/telemetry';
import { createClient, realTime, telemetryObserver } from '../lambdas/core/client';
import { DEFAULT_NAMESPACE } from '../lambdas/core/env-contract';
import { emptySummary, runPoll, SUMMARY_COUNTS, type RunSummary } from '../lambdas/core/sync/run-poll';
import { instant, planWindows } from '../lambdas/core/sync/windows';
import { TABLES } from '../lambdas/core/tables';
import { endpointOverrides } from '../lambdas/handlers/shared/provider-clients';
import { providers } from '../lambdas/providers';
import type { PollSpec, ProviderDefinition } from '../lambdas/core/provider';
import { startDynamo, type LocalDynamo } from './dynamo';
import { SIMULATORS } from './polls';
import { FileSecretStore } from './secrets';
import type { ProviderSimulator } from './simulators';

const DAY = 86_400_000;

export const USAGE = `npm run sync -- --provider NAME [--poll NAME] [--from DATE --to DATE] [--json] [--aws --function NAME]

Runs a poll over a range (a backfill: --from/--to, dates inclusive, UTC), or as its schedule does
(from its checkpoint) without them. Locally by default: the local stack's DynamoDB if \`npm start\`
runs, else its data folder directly; the provider's simulator unless <PROVIDER>_BASE_URL is set.

Options:
  --provider NAME      provider with polls (football)
  --poll NAME          poll name (default: the provider's first)
  --from DATE --to DATE  the range, e.g. 2024-08-01 and 2024-08-31 (--to defaults to now)
  --json               one JSON summary at the end instead of the progress bar
  --aws                invoke the deployed poller once per window instead of running locally
  --function NAME      the poller function (CloudFormation output PollerFunction<provider>)
  --concurrency N      windows invoked at once with --aws (default 2; they share the provider's limit)
  --endpoint-url URL   Lambda endpoint (tests); default the SDK's
  --data-dir DIR       the local stack's data folder (default .local)

Exit code: 0 when no gap is left open, 1 when one is (or the provider paused the sync), 2 on bad usage.`;

export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
}

/** The `--json` summary: exactly these keys. */
export interface SyncJsonSummary {
  windows: number;
  pages: number;
  requests: number;
  records_written: number;
  records_unchanged: number;
  records_quarantined: number;
  http_429: number;
  retries: number;
  gaps_open: number;
  duration_ms: number;
}

export function jsonSummary(s: RunSummary, durationMs: number): SyncJsonSummary {
  return {
    windows: s.windows,
    pages: s.pages,
    requests: s.requests,
    records_written: s.recordsWritten,
    // Not written either way: same content, or a later fetch already stored.
    records_unchanged: s.recordsUnchanged + s.recordsStale,
    records_quarantined: s.recordsQuarantined,
    http_429: s.http429,
    retries: s.retries,
    gaps_open: s.gapsOpen,
    duration_ms: durationMs,
  };
}

class UsageError extends Error {}

/** `--to 2024-08-31` includes that day; a date-time is exclusive. */
function parseRange(
  from: string | undefined,
  to: string | undefined,
  now: number,
): { from: number; to: number } | undefined {
  if (from === undefined && to === undefined) return undefined;
  if (from === undefined) throw new UsageError('--to needs --from');
  try {
    const start = instant(from);
    const end = to === undefined ? now : /^\d{4}-\d{2}-\d{2}$/.test(to) ? instant(to) + DAY : instant(to);
    if (end <= start) throw new UsageError('--to must be after --from');
    return { from: start, to: end };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

interface RunningStack {
  dynamoEndpoint: string;
  simulators?: Record<string, string>;
}

/** The stack `npm start` wrote to `<dataDir>/stack.json`, if its process still runs. */
function runningStack(dataDir: string): RunningStack | undefined {
  const file = join(dataDir, 'stack.json');
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as RunningStack & { pid: number };
    process.kill(state.pid, 0);
    return state;
  } catch {
    return undefined;
  }
}

/** A progress bar on a terminal: windows done/total, records, requests, 429s and ETA. */
function progressBar(io: CliIO): { update(s: Readonly<RunSummary>): void; stop(): void } | undefined {
  if (!io.stdout.isTTY) return undefined;
  const bar = new SingleBar({
    format:
      '{bar} {value}/{total} windows | {records} records | {requests} requests | {http429} 429s | ETA {eta_formatted}',
    hideCursor: true,
    etaBuffer: 20,
    stream: io.stdout as NodeJS.WritableStream,
  });
  let started = false;
  return {
    update(s) {
      const payload = {
        records: s.recordsWritten + s.recordsUnchanged + s.recordsStale,
        requests: s.requests,
        http429: s.http429,
      };
      if (!started) {
        bar.start(Math.max(1, s.windowsPlanned), 0, payload);
        started = true;
      }
      bar.setTotal(Math.max(1, s.windowsPlanned));
      bar.update(s.windows + s.windowsFailed, payload);
    },
    stop: () => started && bar.stop(),
  };
}

function describe(s: SyncJsonSummary, extra: RunSummary | undefined): string {
  const lines = [
    `${s.windows} window(s), ${s.pages} page(s), ${s.requests} request(s) (${s.http_429} rate limited, ${s.retries} retries) in ${(s.duration_ms / 1000).toFixed(1)} s`,
    `records: ${s.records_written} written, ${s.records_unchanged} unchanged, ${s.records_quarantined} quarantined`,
    `gaps open: ${s.gaps_open}`,
  ];
  if (extra?.stopped)
    lines.push(
      `stopped: ${extra.stopped}${extra.resumeAt ? ` until ${new Date(extra.resumeAt).toISOString()}` : ''}${extra.error ? ` (${extra.error.message})` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}

function add(a: RunSummary, b: RunSummary): RunSummary {
  const sums = Object.fromEntries(SUMMARY_COUNTS.map((k) => [k, a[k] + b[k]]));
  return {
    ...a,
    ...sums,
    stopped: a.stopped ?? b.stopped,
    resumeAt: a.resumeAt ?? b.resumeAt,
    error: a.error ?? b.error,
  };
}

/** One local run: DynamoDB of the running stack (or the data folder's), the simulator unless a base URL is set. */
async function runLocal(
  provider: ProviderDefinition,
  poll: PollSpec,
  range: { from: number; to: number } | undefined,
  dataDir: string,
  io: CliIO,
  onProgress: (s: Readonly<RunSummary>) => void,
): Promise<RunSummary> {
  mkdirSync(dataDir, { recursive: true });
  const running = runningStack(dataDir);
  let local: LocalDynamo | undefined;
  let sim: ProviderSimulator | undefined;
  try {
    if (!running) local = await startDynamo({ dir: join(dataDir, 'dynamodb') });
    const doc = running
      ? createDocumentClient(
          createDynamoClient({
            endpoint: running.dynamoEndpoint,
            region: 'local',
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }),
        )
      : local!.doc;
    const secrets = new FileSecretStore(join(dataDir, 'secrets.json'));
    secrets.ensure(providers);
    let { baseUrl, tokenUrl } = endpointOverrides(provider.name, io.env);
    if (!baseUrl) baseUrl = running?.simulators?.[provider.name];
    if (!baseUrl && SIMULATORS[provider.name]) {
      sim = await SIMULATORS[provider.name]!(secrets);
      baseUrl = await sim.listen();
    }
    const logFile = join(dataDir, 'logs.jsonl');
    const telemetry = new PowertoolsTelemetry({
      serviceName: 'sync-cli',
      namespace: DEFAULT_NAMESPACE,
      sink: (line) => appendFileSync(logFile, `${line}\n`),
    });
    const client = createClient({
      definition: provider,
      secrets,
      time: realTime,
      baseUrl,
      tokenUrl,
      onEvent: telemetryObserver(telemetry),
    });
    try {
      return await runPoll(
        { provider, poll, range },
        {
          client,
          records: new DynamoRecordStore(doc, TABLES.records.name),
          state: new DynamoSyncState(doc, {
            checkpoints: TABLES.checkpoints.name,
            gaps: TABLES.gaps.name,
            quarantine: TABLES.quarantine.name,
          }),
          telemetry,
          now: Date.now,
          traceId: randomUUID(),
          onProgress,
        },
      );
    } finally {
      telemetry.flush();
    }
  } finally {
    await sim?.close();
    await local?.close();
  }
}

/** With --aws: the deployed poller, once per window (continuing a window a run left), a few at once. */
async function runAws(
  provider: ProviderDefinition,
  poll: PollSpec,
  range: { from: number; to: number } | undefined,
  opts: { functionName: string; concurrency: number; endpoint?: string; env: CliIO['env'] },
  onProgress: (s: Readonly<RunSummary>) => void,
): Promise<{ summary: RunSummary; failures: string[] }> {
  const lambda = new LambdaInvoker(
    new LambdaClient({
      endpoint: opts.endpoint,
      maxAttempts: 5,
      region: opts.env.AWS_REGION ?? (opts.endpoint ? 'us-east-1' : undefined),
    }),
  );
  // An invocation that could not be made (no such function, no credentials) is a failure to report, like a function error.
  const invoker = {
    invoke: async <T>(name: string, payload: unknown): Promise<InvokeResult<T>> => {
      try {
        return await lambda.invoke<T>(name, payload);
      } catch (err) {
        return { ok: false, error: { type: (err as Error).name || 'Error', message: (err as Error).message } };
      }
    },
  };
  const failures: string[] = [];
  if (!range) {
    const res = await invoker.invoke<RunSummary>(opts.functionName, { provider: provider.name, poll: poll.name });
    if (!res.ok)
      return {
        summary: emptySummary(provider.name, poll.name, 'range'),
        failures: [`${res.error.type}: ${res.error.message}`],
      };
    return { summary: res.payload, failures };
  }
  const windows = planWindows(range.from, range.to, poll.window.sizeMs, instant(poll.window.start));
  let total: RunSummary = { ...emptySummary(provider.name, poll.name, 'range'), windowsPlanned: windows.length };
  onProgress(total);
  const limit = pLimit(Math.max(1, opts.concurrency));
  await Promise.all(
    windows.map((w) =>
      limit(async () => {
        const event = {
          provider: provider.name,
          poll: poll.name,
          from: new Date(w.from).toISOString(),
          to: new Date(w.to).toISOString(),
        };
        let start: RunSummary['resume'];
        // A window longer than one invocation continues where the last one stopped.
        for (let round = 0; round < 100; round += 1) {
          const res: InvokeResult<RunSummary> = await invoker.invoke<RunSummary>(
            opts.functionName,
            start ? { ...event, start: start.position } : event,
          );
          if (!res.ok) {
            failures.push(`${event.from}: ${res.error.type}: ${res.error.message}`);
            total = add(total, { ...emptySummary(provider.name, poll.name, 'range'), windowsFailed: 1, gapsOpen: 1 });
            break;
          }
          const { windowsPlanned: _planned, ...got } = res.payload;
          const continues = got.stopped === 'deadline' && got.resume;
          // A continued window's gap is the next invocation's to close: count only the last one's.
          total = add(total, { ...got, windowsPlanned: 0, gapsOpen: continues ? 0 : got.gapsOpen });
          if (!continues) break;
          start = got.resume;
        }
        onProgress(total);
      }),
    ),
  );
  return { summary: total, failures };
}

/**
 * `npm run sync`: a poll over a range, locally or through the deployed poller; a progress bar on a
 * terminal, or one JSON summary with `--json`. Resolves to the exit code.
 *
 * @example
 * const code = await syncCommand(['--provider', 'football', '--from', '2024-08-01', '--to', '2024-08-31', '--json']);
 */
export async function syncCommand(
  argv: string[],
  io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        provider: { type: 'string' },
        poll: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        json: { type: 'boolean', default: false },
        aws: { type: 'boolean', default: false },
        function: { type: 'string' },
        concurrency: { type: 'string', default: '2' },
        'endpoint-url': { type: 'string' },
        'data-dir': { type: 'string', default: '.local' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const provider = providers.find((p) => p.name === values.provider);
    if (!provider?.polls?.length)
      throw new UsageError(
        `unknown provider with polls: ${String(values.provider ?? '(none)')}; known: ${providers
          .filter((p) => p.polls?.length)
          .map((p) => p.name)
          .join(', ')}`,
      );
    const poll = values.poll ? provider.polls.find((p) => p.name === values.poll) : provider.polls[0];
    if (!poll)
      throw new UsageError(
        `unknown poll ${String(values.poll)} of ${provider.name}; known: ${provider.polls.map((p) => p.name).join(', ')}`,
      );
    const range = parseRange(values.from as string | undefined, values.to as string | undefined, Date.now());
    if (values.aws && !values.function)
      throw new UsageError('--aws needs --function (the CloudFormation output PollerFunction<provider>)');

    const started = Date.now();
    const bar = values.json ? undefined : progressBar(io);
    let summary: RunSummary;
    let failures: string[] = [];
    try {
      if (values.aws) {
        ({ summary, failures } = await runAws(
          provider,
          poll,
          range,
          {
            functionName: values.function as string,
            concurrency: Number(values.concurrency),
            endpoint: values['endpoint-url'] as string | undefined,
            env: io.env,
          },
          (s) => bar?.update(s),
        ));
      } else {
        summary = await runLocal(provider, poll, range, resolve(values['data-dir'] as string), io, (s) =>
          bar?.update(s),
        );
      }
    } finally {
      bar?.stop();
    }
    const out = jsonSummary(summary, Date.now() - started);
    if (values.json) io.stdout.write(`${JSON.stringify(out)}\n`);
    else io.stdout.write(describe(out, summary));
    for (const f of failures) io.stderr.write(`invocation failed: ${f}\n`);
    const paused =
      summary.stopped === 'rate_limited' || summary.stopped === 'quota_exhausted' || summary.stopped === 'paused';
    return out.gaps_open === 0 && !paused && failures.length === 0 ? 0 : 1;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
}
