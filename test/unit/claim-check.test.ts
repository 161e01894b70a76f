import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_BODY_LIMIT, CLAIM_CHECK_THRESHOLD, SQS_MESSAGE_LIMIT } from '../../lambdas/core/blob-layout';
import { claimCheck, claimedBody, messageBytes } from '../../lambdas/core/claim-check';
import { ATTR, fromQueueMessage } from '../../lambdas/core/event-message';
import { ingest, type IngestDeps } from '../../lambdas/core/ingest';
import { getProvider } from '../../lambdas/providers';
import { MemoryBlobs, MemoryQueue, MemorySecrets, RecordingTelemetry } from '../helpers/memory';

const SECRET = 'claim-check-secret';
const bodyOf = (bytes: number) => {
  const head = JSON.stringify({
    action: 'edited',
    issue: { id: 1, number: 1, updated_at: '2024-01-01T00:00:00Z' },
    repository: { id: 1, full_name: 'a/b' },
    pad: '',
  });
  return head.replace('"pad":""', `"pad":"${'x'.repeat(bytes - head.length)}"`);
};
const post = (raw: string) => ({
  provider: 'github',
  method: 'POST',
  headers: {
    'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`,
    'x-github-delivery': 'd-1',
  },
  rawBody: Buffer.from(raw),
});

function setup(opts: { blobs?: MemoryBlobs; maxBodyBytes?: number } = {}) {
  const queue = new MemoryQueue();
  const telemetry = new RecordingTelemetry();
  const deps: IngestDeps = {
    registry: getProvider,
    secrets: new MemorySecrets({ github: { webhookSecret: SECRET } }),
    queueFor: () => queue,
    telemetry,
    now: () => new Date('2024-05-01T12:00:00Z'),
    newId: () => 'id-1',
    ...opts,
  };
  return { queue, telemetry, deps };
}

describe('claim check', () => {
  it('counts what SQS counts: body plus attribute names, types and values', () => {
    expect(messageBytes({ body: 'héllo', attributes: { a: 'xyz' } })).toBe(6 + 1 + 6 + 3);
  });

  it('leaves a message under the threshold as it is', async () => {
    const blobs = new MemoryBlobs();
    const m = { body: 'x'.repeat(1000), attributes: { provider: 'github' } };
    expect(await claimCheck(m, { blobs, key: () => 'k' })).toBe(m);
    expect(blobs.objects.size).toBe(0);
  });

  it('stores a body above the threshold and sends its key, with room left below the SQS limit', async () => {
    const blobs = new MemoryBlobs();
    const body = 'x'.repeat(CLAIM_CHECK_THRESHOLD);
    const sent = await claimCheck(
      { body, attributes: { provider: 'github' } },
      { blobs, key: () => 'payloads/github/2024-05-01/k' },
    );
    expect(sent).toEqual({
      body: 'payloads/github/2024-05-01/k',
      attributes: { provider: 'github', [ATTR.bodyRef]: 'payloads/github/2024-05-01/k' },
    });
    expect(blobs.objects.get('payloads/github/2024-05-01/k')?.toString()).toBe(body);
    expect(await claimedBody(sent!.body, sent!.attributes, blobs)).toBe(body);
    expect(SQS_MESSAGE_LIMIT - CLAIM_CHECK_THRESHOLD).toBeGreaterThanOrEqual(64 * 1024);
  });

  it('ingest claim-checks a 1.2 MB webhook under its provider prefix and queues a small message', async () => {
    const blobs = new MemoryBlobs();
    const { queue, deps } = setup({ blobs });
    const raw = bodyOf(1_200_000);
    expect((await ingest(post(raw), deps)).statusCode).toBe(200);
    const [m] = queue.messages;
    expect(messageBytes(m!)).toBeLessThan(2000);
    expect(m!.attributes[ATTR.bodyRef]).toBe('payloads/github/2024-05-01/id-1');
    expect(fromQueueMessage(m!.body, m!.attributes)).toMatchObject({
      eventId: 'd-1',
      bodyRef: 'payloads/github/2024-05-01/id-1',
    });
    expect(blobs.objects.get('payloads/github/2024-05-01/id-1')?.toString()).toBe(raw);
  });

  it('answers 413 for a body too big for the queue when no blob store is configured', async () => {
    const { queue, deps, telemetry } = setup();
    const res = await ingest(post(bodyOf(1_100_000)), deps);
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: 'payload_too_large' });
    expect(queue.messages).toHaveLength(0);
    expect(telemetry.count('WebhooksTooLarge', { provider: 'github' })).toBe(1);
  });

  it('answers 413 above the API limit before verifying anything, as API Gateway does', async () => {
    const { deps } = setup({ blobs: new MemoryBlobs() });
    expect((await ingest(post(bodyOf(WEBHOOK_BODY_LIMIT + 1)), deps)).statusCode).toBe(413);
    expect((await ingest(post(bodyOf(5000)), { ...deps, maxBodyBytes: 4000 })).statusCode).toBe(413);
  });

  it('answers 503 when the blob store is down, so the provider delivers again', async () => {
    const blobs = new MemoryBlobs();
    blobs.failing = true;
    const { queue, deps } = setup({ blobs });
    expect((await ingest(post(bodyOf(1_200_000)), deps)).statusCode).toBe(503);
    expect(queue.messages).toHaveLength(0);
  });
});
