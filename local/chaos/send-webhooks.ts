import { createHmac } from 'node:crypto';
import pLimit from 'p-limit';
import { signAs } from '../sign';
import type { Rng } from './random';
import type { Delivery, WebhookPlan } from './webhook-plan';
import { SCHEME, webhookBody, type WebhookProvider } from './webhook-payloads';

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

/** Header values that carry signatures: scanned for in the logs, never to be found there. */
const SIGNATURE_HEADERS = [
  'x-hub-signature-256',
  'stripe-signature',
  'x-slack-signature',
  'webhook-signature',
  'x-shopify-hmac-sha256',
  'x-trello-webhook',
];

/** The digests inside a signature header (`t=..,v1=<hex>`, `v1,<base64>`, `sha256=<hex>`, bare base64). */
export function signatureDigests(headers: Record<string, string>): string[] {
  return SIGNATURE_HEADERS.flatMap((h) => (headers[h] ?? '').split(/[\s,;]+/))
    .map((part) => part.replace(/^(t|v0|v1|sha256)=/, ''))
    .filter((d) => d.length >= 20);
}

export interface SendDeps {
  url: string;
  secret(provider: WebhookProvider): Promise<string>;
  concurrency: number;
  rng: Rng;
  toleranceMs: number;
  /** Every signature digest sent, for the log scan. */
  signatures: Set<string>;
  onProgress?(done: number, total: number): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends a webhook plan to the local stack as the providers would: valid events are delivered until
 * answered 2xx (providers retry on anything else); every fault delivery is sent once and its answer
 * kept. Replays go last, with the exact bytes of their original, once its signing time is out of tolerance.
 *
 * @example
 * const sent = await sendWebhooks(plan, { url: stack.url, secret, concurrency: 8, rng, toleranceMs: 300_000, signatures: new Set() });
 */
export async function sendWebhooks(plan: WebhookPlan, deps: SendDeps): Promise<SentDelivery[]> {
  const built = new Map<number, Built>();
  const results: SentDelivery[] = [];
  let done = 0;

  const build = async (d: Delivery): Promise<Built> => {
    const provider = d.event.provider;
    const scheme = SCHEME[provider];
    // The URL Trello signs is the public one, and API Gateway's is https: the stack verifies against that.
    const target = `${deps.url.replace(/^http:/, 'https:')}/webhooks/${provider}`;
    const secret = d.kind === 'forged-secret' ? wrongSecret(provider, deps.rng) : await deps.secret(provider);
    const signedAt = Date.now() - (d.signedAgoMs ?? 0);
    const unsigned = webhookBody(d.event);
    const extra: Record<string, string> =
      d.kind === 'duplicate' && provider === 'slack'
        ? { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }
        : {};
    const sign = (body: string) =>
      signAs(scheme, body, secret, {
        now: new Date(signedAt),
        url: target,
        headers: { ...unsigned.headers, ...extra },
      });
    if (d.kind === 'forged-tamper')
      return { headers: sign(unsigned.body).headers, body: webhookBody(d.tamperedTo!).body, signedAt };
    if (d.kind === 'malformed' && d.broken === 'invalid-utf8') {
      // Bytes that are not UTF-8 can only be signed as bytes: GitHub's scheme (an HMAC of the body), by hand.
      const cut = Math.floor(unsigned.body.length / 2);
      const body = Buffer.concat([
        Buffer.from(unsigned.body.slice(0, cut)),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from(unsigned.body.slice(cut)),
      ]);
      const headers = {
        ...sign('').headers,
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      };
      return { headers, body, signedAt };
    }
    if (d.kind === 'malformed') {
      const body = unsigned.body.slice(
        0,
        Math.max(1, Math.floor(unsigned.body.length * (0.2 + 0.6 * deps.rng.next()))),
      );
      return { ...sign(body), signedAt };
    }
    return { ...sign(unsigned.body), signedAt };
  };

  const post = async (provider: WebhookProvider, b: Built): Promise<number> => {
    for (const s of signatureDigests(b.headers)) deps.signatures.add(s);
    try {
      const res = await fetch(`${deps.url}/webhooks/${provider}`, { method: 'POST', headers: b.headers, body: b.body });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  };

  const deliver = async (d: Delivery): Promise<void> => {
    const provider = d.event.provider;
    const statuses: number[] = [];
    if (d.kind === 'replay') {
      const original = built.get(d.replayOf!);
      if (!original) throw new Error(`replay of delivery ${d.replayOf} before it was sent`);
      // Waits for the signed time to leave the tolerance (state, not a guess): then the replay must be refused.
      if (d.expect === 401) await sleep(Math.max(0, original.signedAt + deps.toleranceMs + 1000 - Date.now()));
      statuses.push(await post(provider, original));
    } else if (d.expect !== 'accepted') {
      statuses.push(await post(provider, await build(d)));
    } else {
      for (let attempt = 0; attempt < 6; attempt += 1) {
        if (attempt > 0) await sleep(100 * 2 ** attempt);
        const b = await build(d);
        if (d.kind === 'first') built.set(d.id, b);
        const status = await post(provider, b);
        statuses.push(status);
        if (status >= 200 && status < 300) break;
      }
    }
    results.push({
      id: d.id,
      kind: d.kind,
      expect: d.expect,
      statuses,
      accepted: statuses.some((s) => s >= 200 && s < 300),
    });
    done += 1;
    deps.onProgress?.(done, plan.deliveries.length);
  };

  const limit = pLimit(deps.concurrency);
  await Promise.all(plan.deliveries.filter((d) => !d.late).map((d) => limit(() => deliver(d))));
  await Promise.all(plan.deliveries.filter((d) => d.late).map((d) => limit(() => deliver(d))));
  return results;
}

/** A secret of the provider's shape that is not its secret. */
function wrongSecret(provider: WebhookProvider, rng: Rng): string {
  const hex = rng.hex(48);
  return provider === 'standard' ? `whsec_${Buffer.from(hex, 'hex').toString('base64')}` : hex;
}
