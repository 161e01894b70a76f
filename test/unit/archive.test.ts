import { describe, expect, it } from 'vitest';
import {
  archiveEntry,
  archiveKey,
  decodeArchive,
  encodeArchive,
  readArchive,
  writeArchive,
  type ArchiveEntry,
} from '../../lambdas/core/archive';
import { SQS_MESSAGE_LIMIT } from '../../lambdas/core/blob-layout';
import { ATTR, fromQueueMessage } from '../../lambdas/core/event-message';
import { batches, replayArchived } from '../../lambdas/core/replay';
import type { QueueMessage } from '../../lambdas/core/ports';
import { MemoryBlobs } from '../helpers/memory';

const at = (iso: string) => Date.parse(iso);
const entry = (eventId: string, iso: string, extra: Partial<ArchiveEntry> = {}): ArchiveEntry => ({
  provider: 'github',
  eventId,
  traceId: eventId,
  receivedAt: at(iso),
  headers: { 'x-github-event': 'issues' },
  body: `{"id":"${eventId}"}`,
  ...extra,
});

describe('event archive', () => {
  it('keys objects by provider, day and hour of receipt', () => {
    expect(archiveKey('github', at('2024-05-01T09:59:59.123Z'), 'abc')).toBe(
      `archive/github/2024/05/01/09/${at('2024-05-01T09:59:59.123Z')}-abc.jsonl.gz`,
    );
  });

  it('round-trips entries through gzipped JSON lines', async () => {
    const entries = [
      entry('a', '2024-05-01T10:00:00Z'),
      entry('b', '2024-05-01T10:00:01Z', { body: undefined, bodyRef: 'payloads/github/x' }),
    ];
    expect(await decodeArchive(await encodeArchive(entries))).toEqual(entries);
  });

  it('keeps the pointer, not the body, of a claim-checked event', () => {
    const e = archiveEntry({
      provider: 'github',
      eventId: 'e',
      traceId: 't',
      receivedAt: 1,
      headers: {},
      rawBody: 'big',
      bodyRef: 'payloads/github/k',
    });
    expect(e).toEqual({
      provider: 'github',
      eventId: 'e',
      traceId: 't',
      receivedAt: 1,
      headers: {},
      bodyRef: 'payloads/github/k',
    });
  });

  it('writes one object per batch, split only where the hour changes', async () => {
    const blobs = new MemoryBlobs();
    let n = 0;
    const written = await writeArchive(
      [entry('a', '2024-05-01T10:59:58Z'), entry('b', '2024-05-01T10:59:59Z'), entry('c', '2024-05-01T11:00:00Z')],
      { blobs, newId: () => String((n += 1)) },
    );
    expect(written).toBe(2);
    // Objects are put concurrently, so the map's order is the order the puts finished.
    expect([...blobs.objects.keys()].map((k) => k.split('/').slice(0, 6).join('/')).sort()).toEqual([
      'archive/github/2024/05/01/10',
      'archive/github/2024/05/01/11',
    ]);
  });

  it('reads a time range across days, half-open, oldest first, each event id once', async () => {
    const blobs = new MemoryBlobs();
    let n = 0;
    const deps = { blobs, newId: () => String((n += 1)) };
    await writeArchive([entry('before', '2024-04-30T22:59:59Z'), entry('a', '2024-04-30T23:10:00Z')], deps);
    await writeArchive([entry('b', '2024-05-01T00:30:00Z'), entry('a', '2024-04-30T23:10:00Z')], deps); // a retried batch archived a again
    await writeArchive([entry('at-end', '2024-05-01T01:00:00Z')], deps);
    await writeArchive([entry('other', '2024-05-01T00:30:00Z', { provider: 'slack' })], deps);
    const got = await readArchive(blobs, 'github', new Date('2024-04-30T23:00:00Z'), new Date('2024-05-01T01:00:00Z'));
    expect(got.map((e) => e.eventId)).toEqual(['a', 'b']);
  });
});

describe('replay', () => {
  it('re-enqueues archived events with the replay marker and the original attributes', async () => {
    const blobs = new MemoryBlobs();
    await writeArchive(
      [
        entry('a', '2024-05-01T10:00:00Z'),
        entry('b', '2024-05-01T10:00:01Z', { body: undefined, bodyRef: 'payloads/github/k' }),
      ],
      { blobs, newId: () => 'x' },
    );
    const sent: QueueMessage[][] = [];
    const r = await replayArchived({
      blobs,
      provider: 'github',
      from: new Date('2024-05-01T00:00:00Z'),
      to: new Date('2024-05-02T00:00:00Z'),
      replayId: 'replay-1',
      enqueue: async (m) => void sent.push(m),
    });
    expect(r).toMatchObject({ found: 2, enqueued: 2, replayId: 'replay-1' });
    const [a, b] = sent.flat().map((m) => fromQueueMessage(m.body, m.attributes));
    expect(a).toMatchObject({
      provider: 'github',
      eventId: 'a',
      receivedAt: at('2024-05-01T10:00:00Z'),
      rawBody: '{"id":"a"}',
      replay: 'replay-1',
      headers: { 'x-github-event': 'issues' },
    });
    expect(b).toMatchObject({ eventId: 'b', bodyRef: 'payloads/github/k', replay: 'replay-1' });
    expect(sent.flat()[1]!.attributes[ATTR.bodyRef]).toBe('payloads/github/k');
  });

  it('sends chunks SendMessageBatch accepts: at most 10 entries and 1 MiB', () => {
    const small = Array.from({ length: 25 }, () => ({ body: 'x', attributes: {} }));
    expect(batches(small).map((b) => b.length)).toEqual([10, 10, 5]);
    const big = Array.from({ length: 3 }, () => ({ body: 'x'.repeat(600_000), attributes: {} }));
    expect(batches(big).map((b) => b.length)).toEqual([1, 1, 1]);
    expect(batches(big).every((b) => b.reduce((s, m) => s + m.body.length, 0) <= SQS_MESSAGE_LIMIT)).toBe(true);
  });
});
