import { createHmac, randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { createIngestHandler } from '../../lambdas/handlers/webhook-ingest';
import { silentTelemetry } from '../../lambdas/core/ports';
import { getProvider } from '../../lambdas/providers';
import { LocalQueue } from '../../local/queue';
import { sampleGithubIssue } from '../../lambdas/providers/github';
import { apiEvent } from '../webhook-ingest/handler-cpu';

const SECRET = 'bench-processor-secret';
const SIZES = [2048, 3072, 4096, 5120];

/**
 * `count` GitHub `issues` deliveries of 2 to 5 KB (GitHub's documented example, issue body padded),
 * each with its own delivery id and issue number (starting at `first`), passed through the real
 * ingest handler and handed out as SQS events of `batchSize` records, as Lambda's event source
 * mapping builds them. Prepared before any timing.
 */
export async function sqsBatches(count: number, batchSize: number, first: number): Promise<SQSEvent[]> {
  const queue = new LocalQueue({ name: 'github-webhooks', visibilityTimeoutMs: 3_600_000 });
  const ingest = createIngestHandler({
    registry: getProvider,
    secrets: { get: async () => SECRET },
    queueFor: () => queue,
    telemetry: silentTelemetry,
    now: () => new Date(),
    newId: randomUUID,
  });
  for (let i = 0; i < count; i += 1) {
    const number = first + i;
    const sample = sampleGithubIssue({
      number,
      updatedAt: new Date(Date.UTC(2024, 4, 1) + number * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    const issue = sample.issue as Record<string, unknown>;
    const pad = SIZES[i % SIZES.length]! - JSON.stringify(sample).length - 1;
    issue.body = `${String(issue.body)} ${'x'.repeat(Math.max(0, pad))}`;
    const body = JSON.stringify(sample);
    const headers = {
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-hook-id': '292430182',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    };
    const res = await ingest(apiEvent({ headers, body }));
    if (res.statusCode !== 200) throw new Error(`ingest answered ${res.statusCode}: ${res.body}`);
  }
  const batches: SQSEvent[] = [];
  for (;;) {
    const batch = queue.receive(batchSize);
    if (batch.length === 0) return batches;
    batches.push({ Records: batch.map((m) => queue.toRecord(m)) });
  }
}
