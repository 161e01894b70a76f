import { resolve } from 'node:path';
import type { RunSummary } from '../../lambdas/core/sync/run-poll';
import { instant } from '../../lambdas/core/sync/windows';
import { providers } from '../../lambdas/providers';
import { DEFAULT_STAGE } from '../../lib/stages';
import type { PollSpec, ProviderDefinition, RecoverySpec } from '../../lambdas/core/provider';
import { addSummaries } from '../../lambdas/core/sync/summary';
import { type CliIO, cliMain, parseCli, positiveInt, UsageError } from '../cli/main';
import { syncProgress } from './progress';
import { runAws } from './run-aws';
import { recoverLocal } from './recover-local';
import { runLocal } from './run-local';
import { jsonSummary, summaryText } from './summary';
import { printable, terminalSafe } from '../../lambdas/core/printable';

const DAY = 86_400_000;

export const USAGE = `npm run sync -- --provider NAME [--poll NAME | --recover [--recovery NAME]] [--from DATE --to DATE] [--json] [--aws [--stage NAME]]

Runs a poll over a range (a backfill: --from/--to, dates inclusive, UTC), or as its schedule does
(from its checkpoint) without them. Locally by default: the local stack's DynamoDB if \`npm start\`
runs, else its data folder directly; the provider's simulator unless <PROVIDER>_BASE_URL is set.
With --recover it runs the provider's missed-webhook recoveries instead (docs/recovery.md): what
they read back goes to the provider's webhook queue (locally, the running \`npm start\` stack's).

Options:
  --provider NAME      provider with polls (football, trello) or with --recover recoveries (stripe, github, trello, shopify)
  --poll NAME          poll name (default: the provider's first)
  --recover            run the provider's recoveries (all of them, or --recovery NAME)
  --recovery NAME      one recovery (stripe: events; github: deliveries; trello: actions; shopify: orders, ...)
  --from DATE --to DATE  the range, e.g. 2024-08-01 and 2024-08-31 (--to defaults to now)
  --json               one JSON summary at the end instead of the progress bar
  --aws                invoke the deployed poller once per window instead of running locally
  --stage NAME         which stage with --aws (default ${DEFAULT_STAGE}): its poller (or recovery function) is found by its tags
  --function NAME      the function, instead of finding it (output PollerFunction<provider>, or RecoveryFunction<provider>)
  --concurrency N      windows invoked at once with --aws (default 2; they share the provider's limit)
  --endpoint-url URL   Lambda endpoint (tests); default the SDK's
  --data-dir DIR       the local stack's data folder (default .local)

Exit code: 0 when no gap is left open, 1 when one is (or the provider paused the sync), 2 on bad usage.`;

const OPTIONS = {
  provider: { type: 'string' },
  poll: { type: 'string' },
  recover: { type: 'boolean', default: false },
  recovery: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  json: { type: 'boolean', default: false },
  aws: { type: 'boolean', default: false },
  function: { type: 'string' },
  stage: { type: 'string' },
  concurrency: { type: 'string', default: '2' },
  'endpoint-url': { type: 'string' },
  'data-dir': { type: 'string', default: '.local' },
} as const;

/** `--to 2024-08-31` includes that day; a date-time is exclusive. */
function parseRange(from: string | undefined, to: string | undefined, now: number) {
  if (from === undefined && to === undefined) return undefined;
  if (from === undefined) throw new UsageError('--to needs --from');
  let range: { from: number; to: number };
  try {
    const start = instant(from);
    range = {
      from: start,
      to: to === undefined ? now : /^\d{4}-\d{2}-\d{2}$/.test(to) ? instant(to) + DAY : instant(to),
    };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (range.to <= range.from) throw new UsageError('--to must be after --from');
  return range;
}

function pollOf(providerName: string | undefined, pollName: string | undefined): [ProviderDefinition, PollSpec] {
  const provider = providers.find((p) => p.name === providerName);
  if (!provider?.polls?.length) {
    const known = providers.filter((p) => p.polls?.length).map((p) => p.name);
    throw new UsageError(`unknown provider with polls: ${providerName ?? '(none)'}; known: ${known.join(', ')}`);
  }
  const poll = pollName ? provider.polls.find((p) => p.name === pollName) : provider.polls[0];
  if (!poll) {
    const known = provider.polls.map((p) => p.name).join(', ');
    throw new UsageError(`unknown poll ${pollName} of ${provider.name}; known: ${known}`);
  }
  return [provider, poll];
}

function recoveriesOf(
  providerName: string | undefined,
  name: string | undefined,
): [ProviderDefinition, RecoverySpec[]] {
  const provider = providers.find((p) => p.name === providerName);
  if (!provider?.recover?.length) {
    const known = providers.filter((p) => p.recover?.length).map((p) => p.name);
    throw new UsageError(`unknown provider with recoveries: ${providerName ?? '(none)'}; known: ${known.join(', ')}`);
  }
  const chosen = name ? provider.recover.filter((r) => r.name === name) : [...provider.recover];
  if (chosen.length === 0)
    throw new UsageError(
      `unknown recovery ${name} of ${provider.name}; known: ${provider.recover.map((r) => r.name).join(', ')}`,
    );
  return [provider, chosen];
}

/** The stage's poller or recovery function of a provider, found by its tags as the ops CLI finds resources. */
async function functionOf(
  kind: 'poller' | 'recovery',
  provider: string,
  stage: string | undefined,
  endpoint: string | undefined,
  io: CliIO,
) {
  const [{ ResourceGroupsTaggingAPIClient }, { SQSClient }, { discoverStage }] = await Promise.all([
    import('@aws-sdk/client-resource-groups-tagging-api'),
    import('@aws-sdk/client-sqs'),
    import('../ops/aws-resources'),
  ]);
  const config = { endpoint, region: io.env.AWS_REGION ?? (endpoint ? 'us-east-1' : undefined) };
  const clients = { tagging: new ResourceGroupsTaggingAPIClient(config), sqs: new SQSClient(config) };
  const resources = await discoverStage(clients, stage ?? DEFAULT_STAGE);
  return kind === 'poller' ? resources.poller(provider) : resources.recovery(provider);
}

const PAUSED = new Set<RunSummary['stopped']>(['rate_limited', 'quota_exhausted', 'paused']);

/**
 * `npm run sync`: a poll over a range, locally or through the deployed poller; a progress bar on a
 * terminal, or one JSON summary with `--json`. Resolves to the exit code.
 *
 * @example
 * const code = await main(['--provider', 'football', '--from', '2024-08-01', '--to', '2024-08-31', '--json']);
 */
export const main = cliMain(USAGE, async (argv, io: CliIO) => {
  const { values } = parseCli(argv, { options: OPTIONS });
  const range = parseRange(values.from, values.to, Date.now());
  if (!values.aws && (values.stage || values.function)) throw new UsageError('--stage and --function need --aws');
  if (values.recovery && !values.recover) throw new UsageError('--recovery needs --recover');
  const concurrency = positiveInt('concurrency', values.concurrency);
  const started = Date.now();
  const bar = values.json ? undefined : syncProgress(io);
  const onProgress = (s: Readonly<RunSummary>) => bar?.update(s);
  const run = values.recover ? recoverRun : pollRun;
  const { summary, failures } = await run(values, range, { io, concurrency, onProgress }).finally(() => bar?.stop());
  const out = jsonSummary(summary, Date.now() - started);
  const json = values.recover ? { ...out, events_recovered: summary.eventsRecovered } : out;
  // A summary carries provider error messages: never a raw control character on the terminal.
  io.stdout.write(values.json ? `${JSON.stringify(json)}\n` : terminalSafe(summaryText(out, summary)));
  for (const f of failures) io.stderr.write(`invocation failed: ${printable(f, 1000)}\n`);
  return out.gaps_open === 0 && !PAUSED.has(summary.stopped) && failures.length === 0 ? 0 : 1;
});

type Values = ReturnType<typeof parseCli<{ options: typeof OPTIONS }>>['values'];
interface RunContext {
  io: CliIO;
  concurrency: number;
  onProgress(s: Readonly<RunSummary>): void;
}

/** The function `--function` names, or the stage's, found by its tags. */
const awsFunction = (kind: 'poller' | 'recovery', provider: string, values: Values, io: CliIO) =>
  values.function ?? functionOf(kind, provider, values.stage, values['endpoint-url'], io);

/** A poll, locally or through the deployed poller. */
async function pollRun(values: Values, range: { from: number; to: number } | undefined, c: RunContext) {
  const [provider, poll] = pollOf(values.provider, values.poll);
  if (values.aws) {
    const aws = {
      functionName: await awsFunction('poller', provider.name, values, c.io),
      concurrency: c.concurrency,
      endpoint: values['endpoint-url'],
      env: c.io.env,
    };
    return runAws(provider, poll, range, aws, c.onProgress);
  }
  const summary = await runLocal(provider, poll, range, resolve(values['data-dir']), c.io, c.onProgress);
  return { summary, failures: [] as string[] };
}

/** A provider's recoveries, on the running local stack or through the deployed recovery function. */
async function recoverRun(values: Values, range: { from: number; to: number } | undefined, c: RunContext) {
  const [provider, recoveries] = recoveriesOf(values.provider, values.recovery);
  if (!values.aws) {
    const summary = await recoverLocal(provider, recoveries, range, resolve(values['data-dir']), c.io, c.onProgress);
    return { summary, failures: [] as string[] };
  }
  const aws = {
    functionName: await awsFunction('recovery', provider.name, values, c.io),
    concurrency: c.concurrency,
    endpoint: values['endpoint-url'],
    env: c.io.env,
    recovery: true,
  };
  let total: RunSummary | undefined;
  const failures: string[] = [];
  for (const recovery of recoveries) {
    const done = await runAws(provider, recovery, range, aws, c.onProgress);
    total = total ? addSummaries(total, done.summary) : done.summary;
    failures.push(...done.failures);
  }
  return { summary: total!, failures };
}
