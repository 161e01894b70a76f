import type { HmacOptions, SignatureScheme } from '../../lambdas/core/signatures';
import { signAs } from '../sign';
import type { Timeline } from './timeline';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** How a provider retries a webhook that was not answered 2xx in time, as it documents it. */
export interface RetrySchedule {
  /** Waits before each retry, after the attempt before it (ms); after the last retry fails the provider gives up. */
  retries: readonly number[];
  /** How long it waits for an answer; a slower one counts as failed. */
  deadlineMs: number;
  /** Where the schedule is documented, and what is assumed. */
  source: string;
}

/** `count` waits doubling each time and adding up to `totalMs`: "n retries over t, exponential backoff". */
export function exponentialOver(count: number, totalMs: number): number[] {
  const first = totalMs / (2 ** count - 1);
  return Array.from({ length: count }, (_, i) => Math.round(first * 2 ** i));
}

/** Waits doubling from `firstMs` while their sum stays within `totalMs`, the last one up to it. */
export function doublingUntil(firstMs: number, totalMs: number): number[] {
  const waits: number[] = [];
  let sum = 0;
  for (let wait = firstMs; sum + wait < totalMs; wait *= 2) {
    waits.push(wait);
    sum += wait;
  }
  return [...waits, totalMs - sum];
}

/** Each provider's documented retries (/work/coord/research-providers.md summarises the sources). */
export const RETRY_SCHEDULES = {
  // docs.stripe.com/webhooks#retries: live mode retries for up to three days with exponential backoff (intervals
  // unpublished).
  stripe: {
    retries: doublingUntil(5 * MINUTE, 72 * HOUR),
    deadlineMs: 10 * SECOND,
    source: 'up to 3 days, exponential',
  },
  // docs.github.com, "Handling failed webhook deliveries": GitHub does not redeliver failed deliveries automatically.
  github: { retries: [], deadlineMs: 10 * SECOND, source: 'no retries; 10 s to answer' },
  // shopify.dev changelog 2024-09-10: 8 retries over 4 hours, exponential; then the subscription is removed.
  shopify: { retries: exponentialOver(8, 4 * HOUR), deadlineMs: 5 * SECOND, source: '8 retries over 4 hours' },
  // Slack Events API: retried almost at once, after 1 minute and after 5 minutes; 3 s to answer.
  slack: {
    retries: [SECOND, MINUTE - SECOND, 4 * MINUTE],
    deadlineMs: 3 * SECOND,
    source: '3 retries: now, +1 min, +5 min',
  },
  // Trello's archived webhook docs: 3 retries (the intervals are not documented: 30 s, 1 min, 2 min assumed); 30 s to
  // answer.
  trello: {
    retries: [30 * SECOND, MINUTE, 2 * MINUTE],
    deadlineMs: 30 * SECOND,
    source: '3 retries (intervals assumed)',
  },
  // docs.svix.com/retries: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; 15 s to answer.
  svix: {
    retries: [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR],
    deadlineMs: 15 * SECOND,
    source: 'Svix: 8 attempts over about 27.6 hours',
  },
} as const satisfies Record<string, RetrySchedule>;

/** Where a sender posts, and how it signs (the provider's scheme and its webhook secret). */
export interface SenderTarget {
  /** The webhook URL, e.g. `http://127.0.0.1:3000/webhooks/github`. */
  url: string;
  scheme: SignatureScheme;
  hmac?: HmacOptions;
  secret(): Promise<string>;
}

/** One attempt a sender made: what it tried to deliver, when, and the answer (0: none in time, or no connection). */
export interface Attempt {
  /** The delivery's id (the provider's event or delivery id). */
  id: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** On the provider's clock. */
  at: number;
  status: number;
  ok: boolean;
  /** Asked for by a redelivery (GitHub), not the provider's own schedule. */
  redelivery: boolean;
}

export interface Delivery {
  id: string;
  body: string;
  headers: Record<string, string>;
}

export interface DeliveryHooks {
  onAttempt?(attempt: Attempt): void;
  /** Every attempt failed. */
  onGiveUp?(): void;
  /** Extra headers on the n-th retry (Slack's `X-Slack-Retry-Num`). */
  retryHeaders?(retry: number): Record<string, string>;
  /** A redelivery: one attempt, whatever the schedule. */
  redelivery?: boolean;
}

/**
 * A simulated provider's webhook sender: posts a delivery to the stack's webhook URL signed as the provider signs,
 * retries on the provider's documented schedule on the provider's clock (a Timeline), then gives up, and remembers
 * every attempt. Signatures carry the wall-clock time, which is what the stack checks them against.
 *
 * @example
 * const sender = new WebhookSender(timeline, RETRY_SCHEDULES.github);
 * sender.target = { url: `${stack.url}/webhooks/github`, scheme: 'github', secret: () => secrets.get('github', 'webhookSecret') };
 * sender.deliver({ id: guid, body, headers }, { onAttempt: (a) => rows.push(a) });
 */
export class WebhookSender {
  readonly attempts: Attempt[] = [];
  readonly gaveUp = new Set<string>();
  /** Where it posts; without one nothing is sent (attempts fail with status 0). */
  target?: SenderTarget;

  constructor(
    private readonly timeline: Timeline,
    readonly schedule: RetrySchedule,
  ) {}

  /** Sends `d` now and, while it fails, on the schedule. */
  deliver(d: Delivery, hooks: DeliveryHooks = {}): void {
    this.timeline.schedule(this.timeline.now(), () => this.attempt(d, 1, hooks));
  }

  private async attempt(d: Delivery, n: number, hooks: DeliveryHooks): Promise<void> {
    const headers = { ...d.headers, ...(n > 1 ? hooks.retryHeaders?.(n - 1) : {}) };
    const status = await this.post(d.body, headers);
    const attempt: Attempt = {
      id: d.id,
      attempt: n,
      at: this.timeline.now(),
      status,
      ok: status >= 200 && status < 300,
      redelivery: hooks.redelivery ?? false,
    };
    this.attempts.push(attempt);
    hooks.onAttempt?.(attempt);
    if (attempt.ok) return;
    const wait = hooks.redelivery ? undefined : this.schedule.retries[n - 1];
    if (wait === undefined) {
      this.gaveUp.add(d.id);
      hooks.onGiveUp?.();
      return;
    }
    this.timeline.schedule(this.timeline.now() + wait, () => this.attempt(d, n + 1, hooks));
  }

  private async post(body: string, headers: Record<string, string>): Promise<number> {
    const target = this.target;
    if (!target) return 0;
    // The URL the provider signs (Trello) is the public https one: the stack verifies against that.
    const signed = signAs(target.scheme, body, await target.secret(), {
      headers,
      url: target.url.replace(/^http:/, 'https:'),
      hmac: target.hmac,
    });
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: signed.headers,
        body,
        signal: AbortSignal.timeout(this.schedule.deadlineMs),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }
}
