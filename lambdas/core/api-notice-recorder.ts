import { noticeSignature, type ApiNotice } from './client/api-notice';
import type { ClientEvent, ClientListener } from './client/types';

/** One response from a provider endpoint, as the recorder stores it. */
export interface EndpointSighting {
  provider: string;
  /** The client's operation name (low cardinality: `GET /v1/items/{id}`). */
  endpoint: string;
  method: string;
  /** Epoch ms. */
  at: number;
  status: number;
  /** The pinned API version the client sent. */
  apiVersion?: string;
  /** Present when this response carried a deprecation signal. */
  notice?: ApiNotice;
}

/** What is stored per provider endpoint: when it was last called, and the last notice it gave (kept once seen). */
export interface EndpointRecord {
  provider: string;
  endpoint: string;
  method: string;
  lastSeenAt: number;
  lastStatus: number;
  apiVersion?: string;
  notice?: ApiNotice & { firstSeenAt: number; lastSeenAt: number };
}

/** Where the recorder writes what a client saw (a handler needs no more of the store). */
export interface EndpointSightings {
  record(sighting: EndpointSighting): Promise<void>;
}

/**
 * Where endpoints in use and their notices are kept (a DynamoDB table in AWS and in the local stack).
 * `record` with a notice replaces the stored notice; without one it only moves `lastSeenAt`.
 */
export interface ApiNoticeStore extends EndpointSightings {
  /** Every endpoint of one provider, or of all when none is given. */
  list(provider?: string): Promise<EndpointRecord[]>;
}

const DAY_MS = 86_400_000;

export interface ApiNoticeRecorder {
  /** Add to the client: `client.onEvent(recorder.listener)`. */
  readonly listener: ClientListener;
  /** Resolves when every write started so far has finished (await it before a Lambda returns). */
  settled(): Promise<void>;
}

/**
 * Records each endpoint the client calls, cheaply: one write per endpoint per process per day, plus one
 * whenever the endpoint's notice changes (a new Deprecation or Sunset date, a new warning). A failed write
 * is reported to `onError` and never fails a call; it is tried again on the next response.
 *
 * @example
 * const recorder = apiNoticeRecorder(new DynamoApiNoticeStore(doc, table), { apiVersion: def.apiVersion?.value, onError: (e) => log.warn(...) });
 * client.onEvent(recorder.listener);
 * ... await recorder.settled();
 */
export function apiNoticeRecorder(
  store: EndpointSightings,
  opts: { apiVersion?: string; onError?: (err: unknown) => void } = {},
): ApiNoticeRecorder {
  const written = new Map<string, { day: number; signature: string }>();
  const inFlight = new Set<Promise<void>>();
  const listener = (event: ClientEvent): void => {
    if (event.type !== 'attempt' || event.status === undefined) return;
    const key = `${event.provider} ${event.operation}`;
    const notice = event.notice;
    const day = Math.floor(event.at / DAY_MS);
    const last = written.get(key);
    const signature = notice ? noticeSignature(notice) : (last?.signature ?? '');
    if (last && last.day === day && last.signature === signature) return;
    written.set(key, { day, signature });
    const write = store
      .record({
        provider: event.provider,
        endpoint: event.operation,
        method: event.method,
        at: event.at,
        status: event.status,
        apiVersion: opts.apiVersion,
        notice,
      })
      .catch((err: unknown) => {
        if (written.get(key)?.day === day) written.delete(key);
        opts.onError?.(err);
      })
      .finally(() => inFlight.delete(write));
    inFlight.add(write);
  };

  return {
    listener,
    settled: async () => {
      await Promise.all([...inFlight]);
    },
  };
}
