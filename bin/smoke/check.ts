import { randomUUID } from 'node:crypto';
import pRetry, { AbortError } from 'p-retry';
import { signAs } from '../../local/sign';

export interface SmokeOptions {
  /** The stage's webhook URL of the `standard` provider (stack output `WebhookUrlstandard`). */
  url: string;
  /** Its `whsec_...` signing secret (one value; the first of a rotation list). */
  secret: string;
  /** What to say the event is about (the pipeline passes the commit). */
  ref?: string;
  /** Attempts on 5xx or a network error (a fresh stage's first invocations may still be starting); default 4. */
  attempts?: number;
  /** First wait between attempts (ms, doubling); default 2000. */
  waitMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

export interface SmokeResult {
  ok: boolean;
  status?: number;
  attempts: number;
  /** The webhook-id sent: find the event by it in the stage's logs (`trace_id`) and records. */
  eventId: string;
  /** The response body (the stack answers JSON without secrets), or the network error. */
  detail: string;
}

/**
 * Sends one Standard Webhooks test event, freshly signed, to a deployed stage and expects 200: proof that
 * the route, the ingest function, its secret and the queue work end to end. 401/4xx fail at once (a wrong
 * secret or route does not heal); 5xx and network errors are tried again with backoff.
 *
 * @example
 * const r = await smokeCheck({ url: outputs.WebhookUrlstandard, secret: 'whsec_...' });
 * if (!r.ok) process.exit(1);
 */
export async function smokeCheck(opts: SmokeOptions): Promise<SmokeResult> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const eventId = `msg_smoke_${randomUUID().replaceAll('-', '')}`;
  let attempts = 0;
  let last: { status?: number; detail: string } = { detail: 'not sent' };
  try {
    await pRetry(
      async () => {
        attempts += 1;
        const now = opts.now?.() ?? new Date();
        // Signed per attempt: the timestamp must stay within the receiver's tolerance.
        const body = JSON.stringify({
          type: 'smoke.test',
          timestamp: now.toISOString(),
          data: { source: 'deploy pipeline', ref: opts.ref ?? 'manual' },
        });
        const signed = signAs('standard-webhooks', body, opts.secret, { now, headers: { 'webhook-id': eventId } });
        let res: Response;
        try {
          res = await doFetch(opts.url, {
            method: 'POST',
            headers: signed.headers,
            body: signed.body,
            signal: AbortSignal.timeout(15_000),
          });
        } catch (err) {
          last = { detail: `network: ${(err as Error).message}` };
          throw err;
        }
        last = { status: res.status, detail: (await res.text()).slice(0, 500) };
        if (res.status === 200) return;
        const error = new Error(`HTTP ${res.status}`);
        throw res.status >= 500 ? error : new AbortError(error);
      },
      { retries: Math.max(0, (opts.attempts ?? 4) - 1), minTimeout: opts.waitMs ?? 2000, factor: 2, randomize: false },
    );
    return { ok: true, status: last.status, attempts, eventId, detail: last.detail };
  } catch {
    return { ok: false, status: last.status, attempts, eventId, detail: last.detail };
  }
}
