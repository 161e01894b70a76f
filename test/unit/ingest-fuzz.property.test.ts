import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromQueueMessage } from '../../lambdas/core/event-message';
import { isUnfixable } from '../../lambdas/core/failure-policy';
import { ingest, type IngestDeps } from '../../lambdas/core/ingest';
import { processEvent } from '../../lambdas/core/process-event';
import type { QueueMessage } from '../../lambdas/core/ports';
import { recordKey, type RecordStore } from '../../lambdas/core/records';
import { github, sampleGithubIssue } from '../../lambdas/providers/github';
import { MemorySecrets } from '../helpers/memory';

const SECRET = 'fuzz-secret-0f9e8d';
const RUNS = 400;
const SEED = 16;

// What SQS accepts in a message attribute value (its documented character set).
const SQS_TEXT = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u;

/** A queue that refuses what SQS refuses: attribute values outside its character set. */
class SqsLikeQueue {
  readonly messages: QueueMessage[] = [];
  async send(m: QueueMessage): Promise<void> {
    for (const [name, value] of Object.entries(m.attributes))
      if (!SQS_TEXT.test(value))
        throw Object.assign(new Error(`attribute ${name}`), { name: 'InvalidMessageContents' });
    this.messages.push(m);
  }
}

/** A record store with DynamoDB's key limit and the JSON serialisation the real one does. */
const strictRecords: RecordStore = {
  async upsertIfNewer(provider, change) {
    if (Buffer.byteLength(recordKey(provider, change.type, change.key)) > 2048)
      throw Object.assign(new Error('key too long'), { name: 'ValidationException' });
    JSON.stringify(change.data);
    return 'written';
  },
  async get() {
    return undefined;
  },
};

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const issueWith = (extra: string) =>
  JSON.stringify(sampleGithubIssue({ number: 1 })).replace('"state":"open"', `"state":"open","extra":${extra}`);

// Malformed bodies, deep nesting, odd encodings, bodies dense in escapes, forms.
const body = fc.oneof(
  fc.json().map((j) => issueWith(j)),
  fc.integer({ min: 1, max: 60_000 }).map((d) => issueWith(nested(d))),
  fc.integer({ min: 100, max: 60_000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
  fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
  fc.string({ unit: 'binary', maxLength: 3000 }).map((s) => issueWith(JSON.stringify(s))),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(`\ufeff${issueWith(JSON.stringify(s))}`, 'utf16le')),
  fc.string({ unit: 'binary', maxLength: 500 }),
  fc.integer({ min: 1, max: 5000 }).map((d) => `payload=${encodeURIComponent(issueWith(nested(d)))}`),
);
const header = fc.oneof(
  fc.uuid(),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.string({ minLength: 1, maxLength: 5000 }),
  fc.string({ unit: 'binary', minLength: 1000, maxLength: 20_000 }),
);
const event = fc.oneof(fc.constantFrom('issues', 'push', 'ping', 'star', 'issue_comment'), header);
const contentType = fc.constantFrom(undefined, 'application/json', 'application/x-www-form-urlencoded', 'text/plain');

describe('ingest fuzzing: malformed bodies, deep nesting, huge headers, odd encodings (#16)', () => {
  it(`never crashes, and whatever it queues is processed or fails permanently at once (${RUNS} signed deliveries)`, async () => {
    const outcomes: Record<string, number> = {};
    const count = (k: string) => {
      outcomes[k] = (outcomes[k] ?? 0) + 1;
    };
    await fc.assert(
      fc.asyncProperty(body, header, event, contentType, async (raw, delivery, name, type) => {
        const rawBody = Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'utf8');
        const signature = `sha256=${createHmac('sha256', SECRET).update(rawBody).digest('hex')}`;
        const headers: Record<string, string> = {
          'x-hub-signature-256': signature,
          'x-github-delivery': delivery,
          'x-github-event': name,
          ...(type ? { 'content-type': type } : {}),
        };
        const queue = new SqsLikeQueue();
        const deps: IngestDeps = {
          registry: (p) => (p === 'github' ? github : undefined),
          secrets: new MemorySecrets({ github: { webhookSecret: SECRET } }),
          queueFor: () => queue,
          telemetry: { log() {}, metric() {} },
          now: () => new Date('2026-01-01T00:00:00Z'),
          newId: () => 'trace',
        };
        const res = await ingest({ provider: 'github', method: 'POST', headers, rawBody }, deps);
        expect([200, 400]).toContain(res.statusCode);
        count(`ingest ${res.statusCode}${res.body.includes('nesting_too_deep') ? ' too deep' : ''}`);
        if (res.statusCode !== 200) return;
        expect(queue.messages).toHaveLength(1);
        const envelope = fromQueueMessage(queue.messages[0]!.body, queue.messages[0]!.attributes);
        expect(Buffer.byteLength(envelope.eventId)).toBeLessThanOrEqual(200);
        try {
          await processEvent(envelope, {
            registry: deps.registry,
            records: strictRecords,
            telemetry: deps.telemetry,
            now: () => 0,
          });
          count('processed');
        } catch (err) {
          // Retrying would fail the same way: it must be dead-lettered at once.
          expect(isUnfixable(err), String(err)).toBe(true);
          count('dead-lettered at once');
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(outcomes['ingest 400 too deep']).toBeGreaterThan(0);
    expect(outcomes.processed).toBeGreaterThan(0);
    // The figures docs/security.md quotes (fixed seed, so the same on every run).
    expect(outcomes).toMatchInlineSnapshot(`
      {
        "dead-lettered at once": 53,
        "ingest 200": 175,
        "ingest 400": 162,
        "ingest 400 too deep": 63,
        "processed": 122,
      }
    `);
  }, 30_000); // 400 runs of verify, parse and map: about 3 s alone, more on a loaded machine
});
