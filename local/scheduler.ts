import type { RunSummary } from '../lambdas/core/sync/run-poll';
import type { PollerHandler, PollEvent } from '../lambdas/handlers/poller';
import type { ScheduleExpression } from '../lambdas/core/provider';
import { lambdaContext } from './lambda-context';
import type { LocalQueue } from './queue';

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** How often a `rate(...)` expression fires, in ms; undefined for `cron(...)`. */
export function rateMs(expression: ScheduleExpression): number | undefined {
  const m = /^rate\((\d+)\s+(minute|hour|day)s?\)$/.exec(expression);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

/** A scheduled function: the poller or a recovery, invoked with the event its schedule sends. */
export type ScheduledHandler<E> = (event: E, context: ReturnType<typeof lambdaContext>) => Promise<RunSummary>;

export interface LocalScheduleOptions<E = PollEvent> {
  functionName: string;
  /** The poller's timeout: each invocation's context counts down from it, as in Lambda. */
  timeoutMs: number;
  /** Where failed invocations go, shaped as Lambda's async on-failure record (the CDK stack's scheduler DLQ). */
  dlq?: LocalQueue;
  onRun?(event: E, summary: RunSummary): void;
  onError?(event: E, err: unknown): void;
}

/**
 * EventBridge Scheduler on one machine: invokes the poller handler module with the same event a
 * schedule sends (`{ provider, poll }`) and a Lambda context with the poller's timeout, every
 * `everyMs`, first right after start. Like Scheduler, it does not wait for the previous run: the
 * poll's lease makes an overlapping run exit at once. A run that throws goes to the DLQ.
 *
 * @example
 * const scheduler = new LocalScheduler(pollerHandler, { functionName: 'football-poller', timeoutMs: 300_000, dlq });
 * scheduler.add({ provider: 'football', poll: 'fixtures' }, 60_000);
 * scheduler.start();
 */
export class LocalScheduler<E extends object = PollEvent> {
  private readonly entries: { event: E; everyMs: number; timer?: NodeJS.Timeout }[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private started = false;

  constructor(
    private readonly handler: ScheduledHandler<E> | PollerHandler,
    private readonly opts: LocalScheduleOptions<E>,
  ) {}

  add(event: E, everyMs: number): this {
    this.entries.push({ event, everyMs });
    return this;
  }

  get schedules(): readonly { event: E; everyMs: number }[] {
    return this.entries;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const entry of this.entries) {
      const fire = () => void this.invoke(entry.event).catch(() => undefined);
      setImmediate(fire);
      entry.timer = setInterval(fire, entry.everyMs);
      entry.timer.unref();
    }
  }

  /** One invocation now, as the schedule would make it; resolves to the run's summary. */
  async invoke(event: E): Promise<RunSummary> {
    const handler = this.handler as ScheduledHandler<E>;
    const run = handler({ ...event }, lambdaContext(this.opts.functionName, this.opts.timeoutMs));
    this.running.add(run);
    try {
      const summary = await run;
      this.opts.onRun?.(event, summary);
      return summary;
    } catch (err) {
      this.opts.onError?.(event, err);
      await this.opts.dlq?.send({
        body: JSON.stringify({
          version: '1.0',
          timestamp: new Date().toISOString(),
          requestContext: {
            functionArn: `arn:aws:lambda:local:000000000000:function:${this.opts.functionName}`,
            condition: 'RetriesExhausted',
            approximateInvokeCount: 1,
          },
          requestPayload: event,
          responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
          responsePayload: {
            errorType: (err as Error)?.name ?? 'Error',
            errorMessage: (err as Error)?.message ?? String(err),
          },
        }),
        attributes: {},
      });
      throw err;
    } finally {
      this.running.delete(run);
    }
  }

  /** Stops firing and waits for running invocations. */
  async stop(): Promise<void> {
    for (const entry of this.entries) if (entry.timer) clearInterval(entry.timer);
    this.started = false;
    await Promise.allSettled([...this.running]);
  }
}
