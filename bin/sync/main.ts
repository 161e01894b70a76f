import { resolve } from 'node:path';
import type { RunSummary } from '../../lambdas/core/sync/run-poll';
import { instant } from '../../lambdas/core/sync/windows';
import { providers } from '../../lambdas/providers';
import type { PollSpec, ProviderDefinition } from '../../lambdas/core/provider';
import { type CliIO, cliMain, parseCli, positiveInt, UsageError } from '../cli/main';
import { syncProgress } from './progress';
import { runAws } from './run-aws';
import { runLocal } from './run-local';
import { jsonSummary, summaryText } from './summary';
import { printable, terminalSafe } from '../../lambdas/core/printable';

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

const OPTIONS = {
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
  const [provider, poll] = pollOf(values.provider, values.poll);
  const range = parseRange(values.from, values.to, Date.now());
  if (values.aws && !values.function)
    throw new UsageError('--aws needs --function (the CloudFormation output PollerFunction<provider>)');
  const concurrency = positiveInt('concurrency', values.concurrency);
  const started = Date.now();
  const bar = values.json ? undefined : syncProgress(io);
  const onProgress = (s: Readonly<RunSummary>) => bar?.update(s);
  const { summary, failures } = await (values.aws
    ? runAws(
        provider,
        poll,
        range,
        { functionName: values.function!, concurrency, endpoint: values['endpoint-url'], env: io.env },
        onProgress,
      )
    : runLocal(provider, poll, range, resolve(values['data-dir']), io, onProgress).then((s) => ({
        summary: s,
        failures: [],
      }))
  ).finally(() => bar?.stop());
  const out = jsonSummary(summary, Date.now() - started);
  // A summary carries provider error messages: never a raw control character on the terminal.
  io.stdout.write(values.json ? `${JSON.stringify(out)}\n` : terminalSafe(summaryText(out, summary)));
  for (const f of failures) io.stderr.write(`invocation failed: ${printable(f, 1000)}\n`);
  return out.gaps_open === 0 && !PAUSED.has(summary.stopped) && failures.length === 0 ? 0 : 1;
});
