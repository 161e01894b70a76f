import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ATTR, fromQueueMessage } from '../../lambdas/core/event-message';
import { ingest, type IngestDeps } from '../../lambdas/core/ingest';
import { getProvider } from '../../lambdas/providers';
import { MemoryQueue, MemorySecrets, RecordingTelemetry } from '../helpers/memory';

const SECRET = 'ingest-unit-secret-7f3a';
const body = JSON.stringify({
  action: 'opened',
  issue: { id: 1, number: 1, updated_at: '2024-01-01T00:00:00Z' },
  repository: { id: 1, full_name: 'a/b' },
});
const signature = (raw: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

function setup(secretValue = SECRET) {
  const queue = new MemoryQueue();
  const telemetry = new RecordingTelemetry();
  const deps: IngestDeps = {
    registry: getProvider,
    secrets: new MemorySecrets({ github: { webhookSecret: secretValue } }),
    queueFor: (p) => (p === 'github' ? queue : undefined),
    telemetry,
    now: () => new Date('2024-01-01T00:00:00Z'),
    newId: () => 'generated-id',
  };
  return { queue, telemetry, deps };
}

const post = (raw: string | Buffer, headers: Record<string, string>) => ({
  provider: 'github',
  method: 'POST',
  headers,
  rawBody: Buffer.isBuffer(raw) ? raw : Buffer.from(raw),
});

describe('webhook ingest', () => {
  it('verifies, enqueues the raw body with its delivery id and trace id, and answers 200', async () => {
    const { queue, deps, telemetry } = setup();
    const res = await ingest(
      post(body, { 'X-Hub-Signature-256': signature(body), 'X-GitHub-Delivery': 'd-1', 'X-GitHub-Event': 'issues' }),
      deps,
    );
    expect(res.statusCode).toBe(200);
    expect(queue.messages).toHaveLength(1);
    const envelope = fromQueueMessage(queue.messages[0]!.body, queue.messages[0]!.attributes);
    expect(envelope).toMatchObject({
      provider: 'github',
      eventId: 'd-1',
      traceId: 'd-1',
      rawBody: body,
      headers: { 'x-github-event': 'issues' },
    });
    expect(telemetry.count('WebhooksReceived', { provider: 'github' })).toBe(1);
  });

  it('re-reads a secret rotated since it was cached when a signature does not match, and accepts with the new one', async () => {
    const { queue, deps } = setup('old-secret');
    let refreshes = 0;
    const stale = { get: async () => 'old-secret', refresh: async () => (refreshes++ === 0 ? SECRET : undefined) };
    const headers = { 'X-Hub-Signature-256': signature(body), 'X-GitHub-Delivery': 'd-9', 'X-GitHub-Event': 'issues' };
    expect((await ingest(post(body, headers), { ...deps, secrets: stale })).statusCode).toBe(200);
    expect(queue.messages).toHaveLength(1);
    // A forged one is still refused; the store said it re-read too recently to read again.
    const forged = { ...headers, 'X-Hub-Signature-256': signature(body, 'attacker') };
    expect((await ingest(post(body, forged), { ...deps, secrets: stale })).statusCode).toBe(401);
    expect(refreshes).toBe(2);
  });

  it('answers 404 for an unknown provider and 405 for a wrong method, queueing nothing', async () => {
    const { queue, deps } = setup();
    expect((await ingest({ ...post(body, {}), provider: 'nope' }, deps)).statusCode).toBe(404);
    const res = await ingest({ ...post(body, {}), method: 'GET' }, deps);
    expect(res.statusCode).toBe(405);
    expect(res.headers?.allow).toBe('POST');
    expect(queue.messages).toHaveLength(0);
  });

  it('answers 401 with the reason and a SignatureRejected metric, never logging the secret or the signature', async () => {
    const { queue, deps, telemetry } = setup();
    const forged = signature(body, 'attacker');
    const missing = await ingest(post(body, {}), deps);
    const wrong = await ingest(post(body, { 'x-hub-signature-256': forged }), deps);
    expect([missing.statusCode, wrong.statusCode]).toEqual([401, 401]);
    expect(JSON.parse(missing.body)).toEqual({ error: 'invalid_signature', reason: 'missing_header' });
    expect(JSON.parse(wrong.body)).toEqual({ error: 'invalid_signature', reason: 'signature_mismatch' });
    expect(telemetry.count('SignatureRejected', { provider: 'github', reason: 'signature_mismatch' })).toBe(1);
    expect(telemetry.count('SignatureRejected', { provider: 'github', reason: 'missing_header' })).toBe(1);
    expect(queue.messages).toHaveLength(0);
    expect(telemetry.text()).not.toContain(SECRET);
    expect(telemetry.text()).not.toContain(forged.slice(7));
  });

  it('answers 400 for a correctly signed body that is not JSON', async () => {
    const { queue, deps } = setup();
    const raw = 'payload=not-json';
    expect((await ingest(post(raw, { 'x-hub-signature-256': signature(raw) }), deps)).statusCode).toBe(400);
    const invalidUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]);
    const sig = `sha256=${createHmac('sha256', SECRET).update(invalidUtf8).digest('hex')}`;
    expect((await ingest(post(invalidUtf8, { 'x-hub-signature-256': sig }), deps)).statusCode).toBe(400);
    expect(queue.messages).toHaveLength(0);
  });

  it('accepts the old secret and the new one while a rotation is in progress', async () => {
    const { deps } = setup(JSON.stringify(['new-secret', SECRET]));
    expect((await ingest(post(body, { 'x-hub-signature-256': signature(body) }), deps)).statusCode).toBe(200);
    expect((await ingest(post(body, { 'x-hub-signature-256': signature(body, 'new-secret') }), deps)).statusCode).toBe(
      200,
    );
  });

  it('answers 503 when the queue is down, so the provider delivers again', async () => {
    const { queue, deps } = setup();
    queue.failing = true;
    expect((await ingest(post(body, { 'x-hub-signature-256': signature(body) }), deps)).statusCode).toBe(503);
  });

  it('uses a hash of the body as event id when the provider sends none, so resends dedupe', async () => {
    const { queue, deps } = setup();
    await ingest(post(body, { 'x-hub-signature-256': signature(body) }), deps);
    await ingest(post(body, { 'x-hub-signature-256': signature(body) }), deps);
    const ids = queue.messages.map((m) => m.attributes[ATTR.eventId]);
    expect(ids[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(ids[0]).toBe(ids[1]);
  });
});
