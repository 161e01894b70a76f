import { createHash } from 'node:crypto';
import { normalizeHeaders, type HeaderInput } from './headers';
import { toQueueMessage } from './event-message';
import type { BlobStore, QueueSender, SecretStore, Telemetry } from './ports';
import { WEBHOOK_BODY_LIMIT } from './blob-layout';
import { claimCheck, payloadKey } from './claim-check';
import { secretValues } from './secret-values';
import { verifyWebhook } from './signatures';
import { describeError, IntegrationError } from './errors';
import { MAX_JSON_DEPTH } from './json-depth';
import { emitMetric, METRIC } from './metrics';
import { parseWebhookBody, TOO_DEEP } from './parse-body';
import { sourceIpListOf } from './source-ips';
import { boundedKey, MAX_EVENT_ID_BYTES } from './bounded-key';
import type { Registry } from './provider';
import type { ProviderDefinition, WebhookInput, WebhookSpec } from './provider';

export interface IngestRequest {
  provider: string;
  method: string;
  headers: HeaderInput;
  rawBody: Buffer;
  /** The public URL the provider called. */
  url?: string;
  /** The caller's address as API Gateway saw it (`requestContext.http.sourceIp`). */
  sourceIp?: string;
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
  /**
   * The stored source-IP allow list of a provider (see source-ips.ts), for providers that have one switched on;
   * undefined, a failed read or a value that is no list means not enforced. Cache it as secrets are cached.
   */
  sourceIps?(provider: string): Promise<string | undefined>;
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
  return urlIn(await secrets.get(provider, name).catch(() => undefined));
}

/** A callback URL secret's value when it is one (a deploy's placeholder is not). */
const urlIn = (value: string | undefined): string | undefined =>
  value !== undefined && /^https?:\/\/\S+$/.test(value.trim()) ? value.trim() : undefined;

/** A body over the limit: counted, logged, refused with 413. */
function tooLarge(deps: IngestDeps, provider: string, bytes: number): IngestResponse {
  emitMetric(deps.telemetry, METRIC.WebhooksTooLarge, 1, 'Count', { provider, operation: 'webhook' });
  deps.telemetry.log('warn', 'webhook body too large', { provider, bytes });
  return json(413, { error: 'payload_too_large' });
}

/** A caller outside the provider's allow list: counted, logged, refused with 403, before any secret or HMAC work. */
async function outsideAllowList(
  req: IngestRequest,
  provider: string,
  deps: IngestDeps,
): Promise<IngestResponse | undefined> {
  const value = await deps.sourceIps?.(provider).catch(() => undefined);
  if (value === undefined) return undefined;
  const list = sourceIpListOf(value, () =>
    deps.telemetry.log('warn', 'source ip allow list is not a list of addresses: not enforced', { provider }),
  );
  if (!list || list.allows(req.sourceIp)) return undefined;
  emitMetric(deps.telemetry, METRIC.WebhooksSourceRefused, 1, 'Count', { provider, operation: 'webhook' });
  deps.telemetry.log('warn', 'webhook source refused', { provider, source_ip: req.sourceIp ?? 'unknown' });
  return json(403, { error: 'forbidden_source' });
}

/**
 * How long the ingest keeps its signing secret and callback URL: an hour, as a signature that does not match re-reads
 * both at once (`SecretStore.refresh`), so a change takes effect on its first delivery, not up to this long after it.
 * Nothing re-reads the source-IP allow list early, so the ingest keeps it in a store of the default age.
 */
export const INGEST_SECRETS_MAX_AGE_SECONDS = 3600;

/** Checks the signature on the raw bytes against every current secret; an answer when it fails, else undefined. */
async function rejected(
  req: IngestRequest,
  def: ProviderDefinition,
  spec: WebhookSpec,
  headers: Record<string, string>,
  deps: IngestDeps,
): Promise<IngestResponse | undefined> {
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
  const url =
    (spec.callbackUrlSecret && (await configuredUrl(deps.secrets, def.name, spec.callbackUrlSecret))) || req.url;
  const verify = (values: string[], signedUrl: string | undefined) =>
    verifyWebhook(spec.scheme, { headers, rawBody: req.rawBody, url: signedUrl }, values, {
      now: deps.now(),
      toleranceSeconds: spec.toleranceSeconds,
      hmac: spec.hmac,
    });
  let verdict = verify(secrets, url);
  // A mismatch may be a secret rotated, or a callback URL changed (Trello signs it), since they were cached: read them
  // once more, past the cache, and verify again if either changed.
  if (!verdict.ok && verdict.reason === 'signature_mismatch') {
    const refresh = (name: string) => deps.secrets.refresh?.(def.name, name).catch(() => undefined);
    const fresh = await refresh(spec.secret);
    const values = fresh === undefined ? secrets : secretValues(fresh);
    const freshUrl = (spec.callbackUrlSecret && urlIn(await refresh(spec.callbackUrlSecret))) || url;
    if (values.join() !== secrets.join() || freshUrl !== url) verdict = verify(values, freshUrl);
  }
  if (verdict.ok) return undefined;
  const dims = { provider: def.name, operation: 'webhook', reason: verdict.reason };
  emitMetric(deps.telemetry, METRIC.SignatureRejected, 1, 'Count', dims);
  const fields = { provider: def.name, trace_id: deps.newId(), reason: verdict.reason };
  deps.telemetry.log('warn', 'webhook signature rejected', fields);
  return json(401, { error: 'invalid_signature', reason: verdict.reason });
}

/** The body as the provider's hooks read it (UTF-8, JSON or a form carrying JSON), or the 400 it earns. */
function parsed(
  req: IngestRequest,
  provider: string,
  headers: Record<string, string>,
  deps: IngestDeps,
): WebhookInput | IngestResponse {
  try {
    const rawBody = utf8.decode(req.rawBody);
    return { headers, rawBody, body: parseWebhookBody(rawBody, headers['content-type']) };
  } catch (err) {
    const tooDeep = err instanceof IntegrationError && err.details?.reason === TOO_DEEP;
    emitMetric(deps.telemetry, METRIC.WebhooksMalformed, 1, 'Count', { provider, operation: 'webhook' });
    const message = tooDeep
      ? `webhook body nests deeper than ${MAX_JSON_DEPTH} levels`
      : 'webhook body is neither JSON nor a form with a JSON payload';
    deps.telemetry.log('warn', message, { provider, trace_id: deps.newId(), bytes: req.rawBody.length });
    return json(400, tooDeep ? { error: 'malformed_payload', reason: TOO_DEEP } : { error: 'malformed_payload' });
  }
}

/**
 * The headers a processor reads again: a form's content type (JSON, the default, needs none) and the provider's own.
 */
function forwardedHeaders(spec: WebhookSpec, headers: Record<string, string>): Record<string, string> {
  const forwarded: Record<string, string> = {};
  if (/x-www-form-urlencoded/i.test(headers['content-type'] ?? ''))
    forwarded['content-type'] = headers['content-type']!;
  for (const name of spec.forwardHeaders ?? []) {
    const value = headers[name];
    if (value !== undefined) forwarded[name] = value;
  }
  return forwarded;
}

/** Queues the event under its id (a claim check when too big for a message) and acknowledges it. */
async function enqueue(
  req: IngestRequest,
  def: ProviderDefinition,
  spec: WebhookSpec,
  input: WebhookInput,
  deps: IngestDeps,
): Promise<IngestResponse> {
  // Ids from headers are unsigned and unbounded: a long or odd one is hashed before it becomes a key.
  const raw = spec.eventId(input);
  const providerId = raw ? boundedKey(raw, MAX_EVENT_ID_BYTES) : undefined;
  const eventId = providerId || createHash('sha256').update(req.rawBody).digest('hex');
  const traceId = providerId || deps.newId();
  const queue = deps.queueFor(def.name);
  if (!queue) return json(404, { error: 'unknown_provider' });
  try {
    const receivedAt = deps.now();
    const message = toQueueMessage({
      provider: def.name,
      eventId,
      traceId,
      receivedAt: receivedAt.getTime(),
      headers: forwardedHeaders(spec, input.headers),
      rawBody: input.rawBody,
    });
    // Bodies above the queue's limit go to the blob store; the message carries the key.
    const key = () => payloadKey(def.name, receivedAt, deps.newId());
    const sendable = await claimCheck(message, { blobs: deps.blobs, key });
    if (!sendable) return tooLarge(deps, def.name, req.rawBody.length);
    await queue.send(sendable);
  } catch (err) {
    // Not acknowledged, so the provider's own retry delivers it again: nothing is lost.
    const fields = { provider: def.name, trace_id: traceId, error_code: describeError(err).kind };
    deps.telemetry.log('error', 'webhook enqueue failed', fields);
    return json(503, { error: 'unavailable' });
  }
  // By provider only: every one is a webhook, and this document is written per webhook (billed by the byte).
  emitMetric(deps.telemetry, METRIC.WebhooksReceived, 1, 'Count', { provider: def.name });
  const fields = { provider: def.name, trace_id: traceId, event_id: eventId, bytes: req.rawBody.length };
  deps.telemetry.log('info', 'webhook accepted', fields);
  return json(200, { received: true, eventId });
}

/**
 * The webhook ingest path: verify on raw bytes, parse, enqueue, acknowledge. No provider processing.
 *
 * @example
 * const res = await ingest({ provider: 'github', method: 'POST', headers, rawBody }, deps);
 * // res.statusCode: 200 queued (or HEAD where allowed, or a handshake's own answer), 401 bad signature, 403 source
 * // outside the provider's allow list,
 * // 400 not JSON or nested deeper than 128 (`reason: nesting_too_deep`), 404 unknown provider, 405 wrong method
 */
export async function ingest(req: IngestRequest, deps: IngestDeps): Promise<IngestResponse> {
  const def = deps.registry(req.provider);
  const spec = def?.webhook;
  if (!def || !spec) return json(404, { error: 'unknown_provider' });
  // Trello probes its callback URL with a bodiless, unsigned HEAD before it creates a webhook.
  if (req.method === 'HEAD' && spec.allowHead) return { statusCode: 200, body: '' };
  if (req.method !== 'POST')
    return json(405, { error: 'method_not_allowed' }, { allow: spec.allowHead ? 'POST, HEAD' : 'POST' });
  if (req.rawBody.length > (deps.maxBodyBytes ?? WEBHOOK_BODY_LIMIT))
    return tooLarge(deps, def.name, req.rawBody.length);
  const outside = await outsideAllowList(req, def.name, deps);
  if (outside) return outside;
  const headers = normalizeHeaders(req.headers);
  const refusal = await rejected(req, def, spec, headers, deps);
  if (refusal) return refusal;
  const input = parsed(req, def.name, headers, deps);
  if ('statusCode' in input) return input;
  const handshake = spec.handshake?.(input);
  if (handshake) return { statusCode: handshake.statusCode, body: handshake.body ?? '', headers: handshake.headers };
  return enqueue(req, def, spec, input, deps);
}
