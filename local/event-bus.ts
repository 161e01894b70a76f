import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { BusEntry } from '../lambdas/core/changes/bus-entry';
import type { ChangeBus } from '../lambdas/core/changes/publish';
import type { ChangeEvent } from '../lambdas/core/changes/schema';
import { describeError } from '../lambdas/core/errors';
import type { QueueSender } from '../lambdas/core/ports';

/** A rule's target: a function invoked asynchronously with each event (Lambda's async retries, then the DLQ). */
export interface BusTarget {
  name: string;
  invoke(event: ChangeEvent): Promise<unknown>;
}

export interface LocalEventBusOptions {
  /** The archive: every event put, one JSON line each (`npm run ops -- changes` reads it). */
  archiveFile: string;
  /** Where an event goes when its target failed every attempt (the function's on-failure destination). */
  dlq: QueueSender;
  /** Attempts per target and event (Lambda's async invocation: 1 + 2 retries). */
  attempts?: number;
  retryDelayMs?: number;
  /** Faults for the chaos run: deliver an event twice (at-least-once), or fail a put after it went through. */
  faults?: { duplicateDelivery?(): boolean; failAfterPut?(): boolean };
}

/** Events by the fields `ops changes` filters on. */
export interface ChangeFilter {
  provider?: string;
  type?: string;
  /** ISO time: events put at or after it. */
  since?: string;
  limit?: number;
}

/**
 * Keeps the change events of a filter from an archive file, newest last.
 *
 * @example
 * readArchive('.local/changes/archive.jsonl', { provider: 'football', since: '2025-01-01T00:00:00Z' })
 */
export function readArchive(file: string, filter: ChangeFilter = {}): ChangeEvent[] {
  if (!existsSync(file)) return [];
  const since = filter.since ? Date.parse(filter.since) : undefined;
  const out = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ChangeEvent)
    .filter(
      (e) =>
        (!filter.provider || e.detail.provider === filter.provider) &&
        (!filter.type || e.detail.type === filter.type) &&
        (since === undefined || Date.parse(e.time) >= since),
    );
  return filter.limit === undefined ? out : out.slice(-filter.limit);
}

/**
 * The change bus on one machine: PutEvents semantics (each entry becomes an event with EventBridge's envelope),
 * an archive for replay, and targets invoked asynchronously per event, each with retries, then the DLQ. Delivery is
 * at least once, in no promised order, as EventBridge's is. Written here because EventBridge has no embeddable
 * local equivalent; it implements only what the stack relies on.
 *
 * @example
 * const bus = new LocalEventBus({ archiveFile: '.local/changes/archive.jsonl', dlq });
 * bus.addTarget({ name: 'bug-to-trello', invoke: (e) => route(e) });
 * await bus.put([entry]);
 */
export class LocalEventBus implements ChangeBus {
  readonly recent: ChangeEvent[] = [];
  private readonly targets: BusTarget[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly archive: WriteStream;

  constructor(private readonly opts: LocalEventBusOptions) {
    mkdirSync(dirname(opts.archiveFile), { recursive: true });
    // Appended in the background: a synchronous write per event would hold up every handler on this thread.
    this.archive = createWriteStream(opts.archiveFile, { flags: 'a' });
  }

  addTarget(target: BusTarget): void {
    this.targets.push(target);
  }

  async put(entries: BusEntry[]): Promise<{ failed: { index: number; code?: string }[] }> {
    for (const entry of entries) {
      const event: ChangeEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.detailType,
        source: entry.source,
        account: '000000000000',
        time: new Date().toISOString(),
        region: 'local',
        resources: [],
        detail: JSON.parse(entry.detail) as ChangeEvent['detail'],
      };
      this.archive.write(`${JSON.stringify(event)}\n`);
      this.recent.push(event);
      if (this.recent.length > 200) this.recent.shift();
      this.deliver(event);
      if (this.opts.faults?.duplicateDelivery?.()) this.deliver(event);
    }
    if (this.opts.faults?.failAfterPut?.()) throw new Error('chaos: PutEvents answer lost after the events went in');
    return { failed: [] };
  }

  /**
   * Sends archived events again to every target, as an EventBridge archive replay does (`replay-name` set; the
   * events keep their detail, so routes make the same commands). Returns how many.
   *
   * @example
   * await bus.replay({ since: '2025-01-01T00:00:00Z' }, 'fix-routes'); // 12
   */
  async replay(filter: ChangeFilter = {}, name = `replay-${Date.now()}`): Promise<number> {
    await this.flushed();
    const events = readArchive(this.opts.archiveFile, filter);
    for (const event of events) this.deliver({ ...event, id: randomUUID(), 'replay-name': name });
    return events.length;
  }

  /** Resolves when no delivery is in flight and the archive is on disk. */
  async drained(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.flushed();
  }

  /** Closes the archive file. */
  async close(): Promise<void> {
    await this.drained();
    await new Promise<void>((resolve) => this.archive.end(() => resolve()));
  }

  // A write's callback runs once it and everything before it is written.
  private flushed(): Promise<void> {
    return new Promise((resolve) => this.archive.write('', () => resolve()));
  }

  private deliver(event: ChangeEvent): void {
    for (const target of this.targets) {
      const p = this.invoke(target, event).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  private async invoke(target: BusTarget, event: ChangeEvent): Promise<void> {
    const attempts = this.opts.attempts ?? 3;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await target.invoke(event);
        return;
      } catch (err) {
        if (attempt >= attempts) return this.deadLetter(target, event, err);
        await new Promise((r) => setTimeout(r, this.opts.retryDelayMs ?? 100));
      }
    }
  }

  /** What Lambda's on-failure destination keeps of an async invocation: the event and the error. */
  private async deadLetter(target: BusTarget, event: ChangeEvent, err: unknown): Promise<void> {
    const { kind, message } = describeError(err);
    await this.opts.dlq
      .send({
        body: JSON.stringify({ stage: 'route', route: target.name, event }),
        attributes: {
          provider: event.detail.provider,
          eventId: event.detail.eventId,
          failureKind: kind,
          failureReason: `route ${target.name}: ${message}`.slice(0, 1000),
        },
      })
      .catch(() => undefined);
  }
}
