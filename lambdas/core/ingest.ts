import { createHash } from 'node:crypto';
import { normalizeHeaders, type HeaderInput } from './headers';
import { toQueueMessage } from './event-message';
import type { BlobStore, QueueSender, SecretStore, Telemetry } from './ports';
import { WEBHOOK_BODY_LIMIT } from './blob-layout';
import { claimCheck, payloadKey } from './claim-check';
import { secretValues } from './secret-values';
import { verifyWebhook } from './signatures';
import { describeError } from './errors';
import { emitMetric, METRIC } from './metrics';
import { parseWebhookBody } from './parse-body';
import type { Registry, WebhookInput } from './provider';

export interface IngestRequest {
  provider: string;
  method: string;
  headers: HeaderInput;
  rawBody: Buffer;
  /** The public URL the provider called. */
  url?: string;
}

export interface IngestResponse {
  statusCode: number;
  body: string;
  headers?: Record<string, string>;
}

export interface IngestDeps {
  registry: Registry;
  secrets: SecretStore;
  queueFor(provider: string): QueueSender | undefined;
  telemetry: Telemetry;
  now(): Date;
  newId(): string;
  /** Where bodies too big for a queue message go (claim check); without it such bodies get 413. */
  blobs?: BlobStore;
  /** The largest body accepted (default `WEBHOOK_BODY_LIMIT`, 5 MiB: what surely fits Lambda's 6 MB invoke payload). */
  maxBodyBytes?: number;
}

const json = (statusCode: number, body: Record<string, unknown>, headers?: Record<string, string>): IngestResponse => ({
  statusCode,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

// Strict decoding: a JSON body must be UTF-8 (RFC 8259), and re-encoding must not change a byte.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The URL configured for a provider that signs it (Trello), when its secret holds one; else undefined. */
async function configuredUrl(secrets: SecretStore, provider: string, name: string): Promise<string | undefined> {
  try {
    const value = (await secrets.get(provider, name)).trim();
    return /^https?:\/\/\S+$/.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The webhook ingest path: verify on raw bytes, parse, enqueue, acknowledge. No provider processing.
 *
 * @example
 * const res = await ingest({ provider: 'github', method: 'POST', headers, rawBody }, deps);
 * // res.statusCode: 200 queued (or HEAD where allowed, or a handshake's own answer), 401 bad signature,
 * // 400 not JSON, 404 unknown provider, 405 wrong method
 */
export async function ingest(req: IngestRequest, deps: IngestDeps): Promise<IngestResponse> {
  const def = deps.registry(req.provider);
  const spec = def?.webhook;
  if (!def || !spec) return json(404, { error: 'unknown_provider' });
  const dims = { provider: def.name, operation: 'webhook' };
  // Trello probes its callback URL with a bodiless, unsigned HEAD before it creates a webhook.
  if (req.method === 'HEAD' && spec.allowHead) return { statusCode: 200, body: '' };
  if (req.method !== 'POST')
    return json(405, { error: 'method_not_allowed' }, { allow: spec.allowHead ? 'POST, HEAD' : 'POST' });
  const tooLarge = () => {
    emitMetric(deps.telemetry, METRIC.WebhooksTooLarge, 1, 'Count', dims);
    deps.telemetry.log('warn', 'webhook body too large', { provider: def.name, bytes: req.rawBody.length });
    return json(413, { error: 'payload_too_large' });
  };
  if (req.rawBody.length > (deps.maxBodyBytes ?? WEBHOOK_BODY_LIMIT)) return tooLarge();

  let secrets: string[];
  try {
    secrets = secretValues(await deps.secrets.get(def.name, spec.secret));
  } catch (err) {
    deps.telemetry.log('error', 'webhook secret unavailable', {
      provider: def.name,
      error_code: describeError(err).kind,
    });
    return json(503, { error: 'unavailable' });
  }

  const headers = normalizeHeaders(req.headers);
  const url =
    (spec.callbackUrlSecret && (await configuredUrl(deps.secrets, def.name, spec.callbackUrlSecret))) || req.url;
  const verdict = verifyWebhook(spec.scheme, { headers, rawBody: req.rawBody, url }, secrets, {
    now: deps.now(),
    toleranceSeconds: spec.toleranceSeconds,
    hmac: spec.hmac,
  });
  if (!verdict.ok) {
    emitMetric(deps.telemetry, METRIC.SignatureRejected, 1, 'Count', { ...dims, reason: verdict.reason });
    deps.telemetry.log('warn', 'webhook signature rejected', {
      provider: def.name,
      trace_id: deps.newId(),
      reason: verdict.reason,
    });
    return json(401, { error: 'invalid_signature', reason: verdict.reason });
  }

  let input: WebhookInput;
  try {
    const rawBody = utf8.decode(req.rawBody);
    input = { headers, rawBody, body: parseWebhookBody(rawBody, headers['content-type']) };
  } catch {
    emitMetric(deps.telemetry, METRIC.WebhooksMalformed, 1, 'Count', dims);
    deps.telemetry.log('warn', 'webhook body is neither JSON nor a form with a JSON payload', {
      provider: def.name,
      trace_id: deps.newId(),
      bytes: req.rawBody.length,
    });
    return json(400, { error: 'malformed_payload' });
  }

  const handshake = spec.handshake?.(input);
  if (handshake) {
    return { statusCode: handshake.statusCode, body: handshake.body ?? '', headers: handshake.headers };
  }

  const providerId = spec.eventId(input);
  const eventId = providerId || createHash('sha256').update(req.rawBody).digest('hex');
  const traceId = providerId || deps.newId();
  const forwarded: Record<string, string> = {};
  // Only a form body needs its content type to be read again; JSON (the default) carries none.
  if (/x-www-form-urlencoded/i.test(headers['content-type'] ?? ''))
    forwarded['content-type'] = headers['content-type']!;
  for (const name of spec.forwardHeaders ?? []) {
    const value = headers[name];
    if (value !== undefined) forwarded[name] = value;
  }
  const queue = deps.queueFor(def.name);
  if (!queue) return json(404, { error: 'unknown_provider' });
  try {
    const receivedAt = deps.now();
    const message = toQueueMessage({
      provider: def.name,
      eventId,
      traceId,
      receivedAt: receivedAt.getTime(),
      headers: forwarded,
      rawBody: input.rawBody,
    });
    // Bodies above the queue's limit go to the blob store; the message carries the key.
    const sendable = await claimCheck(message, {
      blobs: deps.blobs,
      key: () => payloadKey(def.name, receivedAt, deps.newId()),
    });
    if (!sendable) return tooLarge();
    await queue.send(sendable);
  } catch (err) {
    // Not acknowledged, so the provider's own retry delivers it again: nothing is lost.
    deps.telemetry.log('error', 'webhook enqueue failed', {
      provider: def.name,
      trace_id: traceId,
      error_code: describeError(err).kind,
    });
    return json(503, { error: 'unavailable' });
  }
  emitMetric(deps.telemetry, METRIC.WebhooksReceived, 1, 'Count', dims);
  deps.telemetry.log('info', 'webhook accepted', {
    provider: def.name,
    trace_id: traceId,
    event_id: eventId,
    bytes: req.rawBody.length,
  });
  return json(200, { received: true, eventId });
}
