import { createHmac } from 'node:crypto';
import pLimit from 'p-limit';
import { signAs, signatureHeader } from '../sign';
import type { Rng } from './random';
import type { Delivery, WebhookPlan } from './webhook-plan';
import { webhookBody, type WebhookSender } from './webhook-payloads';

export interface SentDelivery {
  id: number;
  kind: Delivery['kind'];
  expect: Delivery['expect'];
  /** Every answer, one per attempt (0: the connection failed). */
  statuses: number[];
  /** Answered 2xx (at some attempt). */
  accepted: boolean;
}

interface Built {
  headers: Record<string, string>;
  body: string | Buffer;
  signedAt: number;
}

/** The digests inside a sender's signature header (`t=..,v1=<hex>`, `v1,<base64>`, `sha256=<hex>`, bare base64). */
export function signatureDigests(sender: WebhookSender, headers: Record<string, string>): string[] {
  return (headers[signatureHeader(sender.scheme, sender.hmac)] ?? '')
    .split(/[\s,;]+/)
    .map((part) => part.replace(/^(t|v0|v1|sha256)=/, ''))
    .filter((d) => d.length >= 20);
}

export interface SendDeps {
  url: string;
  senders: readonly WebhookSender[];
  secret(provider: string): Promise<string>;
  concurrency: number;
  rng: Rng;
  toleranceMs: number;
  /** Every signature digest sent, for the log scan. */
  signatures: Set<string>;
  onProgress?(done: number, total: number): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ok = (status: number) => status >= 200 && status < 300;

/** Bytes that are not UTF-8 can only be signed as bytes: GitHub's scheme (an HMAC of the body), by hand. */
function invalidUtf8(body: string, secret: string, headers: Record<string, string>): Omit<Built, 'signedAt'> {
  const cut = Math.floor(body.length / 2);
  const bytes = Buffer.concat([
    Buffer.from(body.slice(0, cut)),
    Buffer.from([0xff, 0xfe, 0xc3]),
    Buffer.from(body.slice(cut)),
  ]);
  const signature = `sha256=${createHmac('sha256', secret).update(bytes).digest('hex')}`;
  return { headers: { ...headers, 'x-hub-signature-256': signature }, body: bytes };
}

/** A secret of the scheme's shape that is not the provider's. */
function wrongSecret(sender: WebhookSender, rng: Rng): string {
  const hex = rng.hex(48);
  return sender.scheme === 'standard-webhooks' ? `whsec_${Buffer.from(hex, 'hex').toString('base64')}` : hex;
}

/** Signs a delivery of the plan as its provider would, or breaks it as its kind says. */
async function build(d: Delivery, sender: WebhookSender, deps: SendDeps): Promise<Built> {
  // The URL Trello signs is the public one, and API Gateway's is https: the stack verifies against that.
  const url = `${deps.url.replace(/^http:/, 'https:')}/webhooks/${sender.name}`;
  const secret = d.kind === 'forged-secret' ? wrongSecret(sender, deps.rng) : await deps.secret(sender.name);
  const signedAt = Date.now() - (d.signedAgoMs ?? 0);
  const unsigned = webhookBody(sender, d.event);
  const retry = d.kind === 'duplicate' ? sender.samples.retryHeaders : undefined;
  const headers = { ...unsigned.headers, ...retry };
  const sign = (body: string) =>
    signAs(sender.scheme, body, secret, { now: new Date(signedAt), url, headers, hmac: sender.hmac });
  if (d.kind === 'forged-tamper')
    return { headers: sign(unsigned.body).headers, body: webhookBody(sender, d.tamperedTo!).body, signedAt };
  if (d.kind === 'malformed' && d.broken === 'invalid-utf8')
    return { ...invalidUtf8(unsigned.body, secret, sign('').headers), signedAt };
  if (d.kind === 'malformed') {
    const cut = Math.max(1, Math.floor(unsigned.body.length * (0.2 + 0.6 * deps.rng.next())));
    return { ...sign(unsigned.body.slice(0, cut)), signedAt };
  }
  return { ...sign(unsigned.body), signedAt };
}

/**
 * Sends a webhook plan to the local stack as the providers would: valid events are delivered until
 * answered 2xx (providers retry on anything else); every fault delivery is sent once and its answer
 * kept. Replays go last, with the exact bytes of their original, once its signing time is out of tolerance.
 *
 * @example
 * const sent = await sendWebhooks(plan, { url: stack.url, senders, secret, concurrency: 8, rng, toleranceMs: 300_000, signatures: new Set() });
 */
export async function sendWebhooks(plan: WebhookPlan, deps: SendDeps): Promise<SentDelivery[]> {
  const senders = new Map(deps.senders.map((s) => [s.name, s]));
  const built = new Map<number, Built>();
  const results: SentDelivery[] = [];

  const post = async (sender: WebhookSender, b: Built): Promise<number> => {
    for (const s of signatureDigests(sender, b.headers)) deps.signatures.add(s);
    try {
      const res = await fetch(`${deps.url}/webhooks/${sender.name}`, {
        method: 'POST',
        headers: b.headers,
        body: b.body,
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  };

  const attempts = async (d: Delivery, sender: WebhookSender): Promise<number[]> => {
    if (d.kind === 'replay') {
      const original = built.get(d.replayOf!);
      if (!original) throw new Error(`replay of delivery ${d.replayOf} before it was sent`);
      // Waits for the signed time to leave the tolerance (state, not a guess): then the replay must be refused.
      if (d.expect === 401) await sleep(Math.max(0, original.signedAt + deps.toleranceMs + 1000 - Date.now()));
      return [await post(sender, original)];
    }
    if (d.expect !== 'accepted') return [await post(sender, await build(d, sender, deps))];
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6 && !statuses.some(ok); attempt += 1) {
      if (attempt > 0) await sleep(100 * 2 ** attempt);
      const b = await build(d, sender, deps);
      if (d.kind === 'first') built.set(d.id, b);
      statuses.push(await post(sender, b));
    }
    return statuses;
  };

  const deliver = async (d: Delivery): Promise<void> => {
    const statuses = await attempts(d, senders.get(d.event.provider)!);
    results.push({ id: d.id, kind: d.kind, expect: d.expect, statuses, accepted: statuses.some(ok) });
    deps.onProgress?.(results.length, plan.deliveries.length);
  };

  const limit = pLimit(deps.concurrency);
  await Promise.all(plan.deliveries.filter((d) => !d.late).map((d) => limit(() => deliver(d))));
  await Promise.all(plan.deliveries.filter((d) => d.late).map((d) => limit(() => deliver(d))));
  return results;
}
