import { describe, expect, it } from 'vitest';
import type { BusEntry } from '../../../lambdas/core/changes/bus-entry';
import { type ChangeBus, publishChanges, type StreamChange } from '../../../lambdas/core/changes/publish';
import type { QueueMessage } from '../../../lambdas/core/ports';
import type { StoredRecord } from '../../../lambdas/core/records';
import { LogCapture } from '../../helpers/log-capture';
import { PowertoolsTelemetry } from '../../../lambdas/adapters/telemetry';

const record = (key: string, version: number, data: Record<string, unknown>): StoredRecord => ({
  pk: `github#issue#${key}`,
  provider: 'github',
  type: 'issue',
  key,
  version,
  data,
  writtenAt: version,
});

/** A bus that takes everything, or refuses the entries whose detail matches `refuse` (as PutEvents does, per entry). */
class MemoryBus implements ChangeBus {
  readonly entries: BusEntry[] = [];
  calls = 0;
  constructor(private readonly refuse: (e: BusEntry) => boolean = () => false) {}
  async put(entries: BusEntry[]) {
    this.calls += 1;
    const failed = entries.flatMap((e, index) => (this.refuse(e) ? [{ index, code: 'ThrottlingException' }] : []));
    for (const e of entries) if (!this.refuse(e)) this.entries.push(e);
    return { failed };
  }
}

const rig = (bus: ChangeBus) => {
  const dlq: QueueMessage[] = [];
  const logs = new LogCapture();
  const telemetry = new PowertoolsTelemetry({ serviceName: 'change-stream', namespace: 'Test', sink: logs.sink });
  return { dlq, logs, deps: { bus, dlq: { send: async (m: QueueMessage) => void dlq.push(m) }, telemetry } };
};

const seq = (n: number) => String(100 + n);
const change = (n: number, previous: StoredRecord | undefined, next: StoredRecord): StreamChange => ({
  sequenceNumber: seq(n),
  pk: next.pk,
  previous,
  next,
});

describe('publishing a stream batch', () => {
  it('puts one event per created or changed record, in stream order, and none for a write that changed nothing', async () => {
    const bus = new MemoryBus();
    const { deps } = rig(bus);
    const a1 = record('r#1', 1, { title: 'a' });
    const a2 = record('r#1', 2, { title: 'b' });
    const a3 = record('r#1', 3, { title: 'b' });
    const result = await publishChanges(
      [change(1, undefined, a1), change(2, a1, a2), change(3, a2, a3), change(4, undefined, record('r#2', 1, {}))],
      deps,
    );
    expect(result).toEqual({ published: 3, unchanged: 1, deadLettered: 0 });
    expect(bus.entries.map((e) => [e.detailType, JSON.parse(e.detail).key, JSON.parse(e.detail).version])).toEqual([
      ['issue.created', 'r#1', 1],
      ['issue.changed', 'r#1', 2],
      ['issue.created', 'r#2', 1],
    ]);
  });

  it('calls PutEvents with at most 10 entries at a time', async () => {
    const bus = new MemoryBus();
    const { deps } = rig(bus);
    await publishChanges(
      Array.from({ length: 25 }, (_, i) => change(i, undefined, record(`r#${i}`, 1, { i }))),
      deps,
    );
    expect(bus.calls).toBe(3);
    expect(bus.entries).toHaveLength(25);
  });

  it('ends the batch at the first entry the bus refused: it and everything after come again', async () => {
    const bus = new MemoryBus((e) => JSON.parse(e.detail).key === 'r#3');
    const { deps, logs } = rig(bus);
    const result = await publishChanges(
      Array.from({ length: 6 }, (_, i) => change(i, undefined, record(`r#${i}`, 1, { i }))),
      deps,
    );
    expect(result.failedAt).toBe(seq(3));
    expect(result.published).toBe(3);
    expect(logs.logs('change not published, will retry')).toHaveLength(1);
  });

  it('dead-letters a write no event can be made of (with its key and reason) and goes on', async () => {
    const bus = new MemoryBus();
    const { deps, dlq } = rig(bus);
    const result = await publishChanges(
      [
        change(1, undefined, record('r#1', 1, {})),
        { sequenceNumber: seq(2), pk: 'github#issue#r#2', unreadable: 'the stream image could not be read: bad gzip' },
        change(3, undefined, record('r#3', 1, {})),
      ],
      deps,
    );
    expect(result).toEqual({ published: 2, unchanged: 0, deadLettered: 1 });
    expect(dlq).toHaveLength(1);
    expect(JSON.parse(dlq[0]!.body)).toEqual({ stage: 'stream', pk: 'github#issue#r#2', sequenceNumber: seq(2) });
    expect(dlq[0]!.attributes).toMatchObject({ provider: 'github', failureKind: 'permanent' });
    expect(dlq[0]!.attributes.failureReason).toContain('bad gzip');
  });
});
