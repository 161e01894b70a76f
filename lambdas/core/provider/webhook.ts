import type { HmacOptions, SignatureScheme } from '../signatures';
import type { PublishedSourceIps } from '../source-ips';

/** What the ingest path knows of one verified delivery. */
export interface WebhookInput {
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The raw body as UTF-8 text (JSON). */
  rawBody: string;
  /** The parsed body. */
  body: unknown;
}

/** What the processor knows of one queued event. */
export interface WebhookEvent extends WebhookInput {
  provider: string;
  eventId: string;
  receivedAt: number;
}

/** One entity state implied by an event; written only if `version` is newer than the stored one. */
export interface EntityChange {
  type: string;
  key: string;
  /** Monotonic per entity: provider's updated-at in epoch ms, or a sequence number. */
  version: number;
  data: Record<string, unknown>;
}

export interface HandshakeResponse {
  statusCode: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface WebhookSpec {
  scheme: SignatureScheme;
  /** Secret name holding the signing secret(s); a JSON array value holds several for rotation. */
  secret: string;
  /** For timestamped schemes; default 300 s. */
  toleranceSeconds?: number;
  /** For the plain `hmac-sha256` scheme. */
  hmac?: HmacOptions;
  /** Headers (lower-case) the processor needs, carried as a message attribute. */
  forwardHeaders?: string[];
  /** The provider's stable id for this delivery; a hash of the body when undefined. */
  eventId(input: WebhookInput): string | undefined;
  /** When the provider says the event happened (epoch ms), for lag metrics. */
  eventTime?(input: WebhookInput): number | undefined;
  /** A verified request the provider expects answered directly (challenges, pings) instead of queued. */
  handshake?(input: WebhookInput): HandshakeResponse | undefined;
  /** Answer `HEAD` with 200, unverified: the provider probes the URL before it sends (Trello, on webhook creation). */
  allowHead?: boolean;
  /**
   * Secret name whose value is the exact URL the provider signs (Trello signs its callbackURL). Used when
   * the value is an http(s) URL; any other value (the deploy placeholder) means the URL the request came
   * to, which differs from what was registered behind a custom domain or a path mapping.
   */
  callbackUrlSecret?: string;
  /**
   * A delivery by which the sender says it throttles or turned off our deliveries (Slack's `app_rate_limited`):
   * the reason, counted as SenderWarnings (the `webhook-sender-warnings` alarm), for senders with no replay API.
   */
  senderWarning?(event: WebhookEvent): string | undefined;
  /**
   * Where the provider publishes its webhooks' source addresses, for a stage's allow list (`sourceIps: 'published'`).
   */
  publishedSourceIps?: PublishedSourceIps;
  /** Maps a verified event to entity changes. Throws IntegrationError('invalid_payload') when it cannot. */
  map(event: WebhookEvent): EntityChange[];
}
