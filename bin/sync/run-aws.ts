import { LambdaClient } from '@aws-sdk/client-lambda';
import pLimit from 'p-limit';
import { type InvokeResult, LambdaInvoker } from '../../lambdas/adapters/lambda-invoker';
import { emptySummary, type RunSummary } from '../../lambdas/core/sync/run-poll';
import { instant, planWindows } from '../../lambdas/core/sync/windows';
import type { ProviderDefinition, SyncSource } from '../../lambdas/core/provider';
import type { CliIO } from '../cli/main';
import { addSummaries } from '../../lambdas/core/sync/summary';

export interface AwsRunOptions {
  functionName: string;
  concurrency: number;
  endpoint?: string;
  env: CliIO['env'];
}

/** The poller's event (`poll`), or the recovery function's (`recovery`). */
interface PollEvent {
  provider: string;
  poll?: string;
  recovery?: string;
  from?: string;
  to?: string;
  start?: unknown;
}

type Invoke = (event: PollEvent) => Promise<InvokeResult<RunSummary>>;

/**
 * The poller through Lambda Invoke; an invocation that could not be made (no such function, no credentials) is a
 * failure to report, like a function error.
 */
function pollerInvoke(opts: AwsRunOptions): Invoke {
  const region = opts.env.AWS_REGION ?? (opts.endpoint ? 'us-east-1' : undefined);
  const lambda = new LambdaInvoker(new LambdaClient({ endpoint: opts.endpoint, maxAttempts: 5, region }));
  return async (event) => {
    try {
      return await lambda.invoke<RunSummary>(opts.functionName, event);
    } catch (err) {
      return { ok: false, error: { type: (err as Error).name || 'Error', message: (err as Error).message } };
    }
  };
}

/** One window, over as many invocations as it takes: a window longer than one continues where the last stopped. */
async function runWindow(invoke: Invoke, event: PollEvent, failures: string[]): Promise<RunSummary> {
  const name = event.poll ?? event.recovery ?? '';
  let total = emptySummary(event.provider, name, 'range');
  let start: RunSummary['resume'];
  for (let round = 0; round < 100; round += 1) {
    const res = await invoke(start ? { ...event, start: start.position } : event);
    if (!res.ok) {
      failures.push(`${event.from}: ${res.error.type}: ${res.error.message}`);
      return addSummaries(total, {
        ...emptySummary(event.provider, name, 'range'),
        windowsFailed: 1,
        gapsOpen: 1,
      });
    }
    const { windowsPlanned: _planned, ...got } = res.payload;
    const continues = got.stopped === 'deadline' && got.resume;
    // A continued window's gap is the next invocation's to close: count only the last one's.
    total = addSummaries(total, { ...got, windowsPlanned: 0, gapsOpen: continues ? 0 : got.gapsOpen });
    if (!continues) break;
    // A recovery's window starts over (the pages it already sent are deduplicated): its resume needs the target.
    start = event.recovery ? undefined : got.resume;
  }
  return total;
}

/**
 * With --aws: the deployed poller, once per window of the range (a few at once), or once as its schedule
 * runs it when no range is given.
 *
 * @example
 * const { summary, failures } = await runAws(football, poll, range, { functionName, concurrency: 2, env }, () => {});
 */
export async function runAws(
  provider: ProviderDefinition,
  poll: SyncSource,
  range: { from: number; to: number } | undefined,
  opts: AwsRunOptions & { recovery?: boolean },
  onProgress: (s: Readonly<RunSummary>) => void,
): Promise<{ summary: RunSummary; failures: string[] }> {
  const invoke = pollerInvoke(opts);
  const failures: string[] = [];
  const base = opts.recovery
    ? { provider: provider.name, recovery: poll.name }
    : { provider: provider.name, poll: poll.name };
  if (!range) {
    const res = await invoke(base);
    if (res.ok) return { summary: res.payload, failures };
    return {
      summary: emptySummary(provider.name, poll.name, 'range'),
      failures: [`${res.error.type}: ${res.error.message}`],
    };
  }
  const windows = planWindows(range.from, range.to, poll.window.sizeMs, instant(poll.window.start));
  let total: RunSummary = { ...emptySummary(provider.name, poll.name, 'range'), windowsPlanned: windows.length };
  onProgress(total);
  const limit = pLimit(Math.max(1, opts.concurrency));
  const iso = (ms: number) => new Date(ms).toISOString();
  await Promise.all(
    windows.map((w) =>
      limit(async () => {
        const done = await runWindow(invoke, { ...base, from: iso(w.from), to: iso(w.to) }, failures);
        total = addSummaries(total, done);
        onProgress(total);
      }),
    ),
  );
  return { summary: total, failures };
}
