import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaContext } from './lambda-context';
import type { LocalQueue } from './queue';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface EventSourceOptions {
  functionName: string;
  batchSize: number;
  maxConcurrency: number;
  functionTimeoutMs: number;
  /** Called when an invocation throws or times out (the whole batch is retried after the visibility timeout). */
  onError?(err: unknown): void;
}

/**
 * Lambda's SQS event source mapping: polls the queue, invokes the handler with batches, deletes
 * what succeeded, honours reportBatchItemFailures, and leaves failures for the visibility timeout.
 */
export class EventSourceMapping {
  private running = false;
  private inFlight = 0;
  private timer?: NodeJS.Timeout;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly wake = () => this.pump();

  constructor(
    private readonly queue: LocalQueue,
    private readonly handler: SqsHandler,
    private readonly opts: EventSourceOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.queue.on('message', this.wake);
    this.pump();
  }

  /** Stops polling and waits for running invocations. */
  async stop(): Promise<void> {
    this.running = false;
    this.queue.off('message', this.wake);
    if (this.timer) clearTimeout(this.timer);
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (!this.running) return;
    while (this.inFlight < this.opts.maxConcurrency) {
      const batch = this.queue.receive(this.opts.batchSize);
      if (batch.length === 0) break;
      this.inFlight += 1;
      void this.invoke(batch.map((m) => this.queue.toRecord(m))).finally(() => {
        this.inFlight -= 1;
        if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        this.pump();
      });
    }
    this.schedule();
  }

  // Sleeps until the next hidden message becomes visible again (retries after the visibility timeout).
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const next = this.queue.nextVisibleAt();
    if (next === undefined || !this.running) return;
    this.timer = setTimeout(this.wake, Math.max(1, next - Date.now()));
    this.timer.unref();
  }

  private async invoke(records: SQSEvent['Records']): Promise<void> {
    const context = lambdaContext(this.opts.functionName, this.opts.functionTimeoutMs);
    let timeout: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        this.handler({ Records: records }, context),
        new Promise<never>((_, reject) => {
          timeout = setTimeout(
            () => reject(new Error(`${this.opts.functionName} timed out`)),
            this.opts.functionTimeoutMs,
          );
        }),
      ]);
      const failed = new Set(
        (result && 'batchItemFailures' in result ? result.batchItemFailures : []).map((f) => f.itemIdentifier),
      );
      for (const record of records) if (!failed.has(record.messageId)) this.queue.delete(record.receiptHandle);
    } catch (err) {
      this.opts.onError?.(err);
    } finally {
      if (timeout) clearTimeout(timeout);
    }
  }
}
