/**
 * The small interfaces core depends on; adapters implement them for AWS, the local stack for one machine.
 */

export interface QueueMessage {
  body: string;
  /** String message attributes (SQS allows 10). */
  attributes: Record<string, string>;
}

export interface QueueSender {
  send(message: QueueMessage): Promise<void>;
}

/** Hides a received message until a given time, as SQS ChangeMessageVisibility does (the receive still counts). */
export interface RetryDelay {
  delay(receiptHandle: string, seconds: number): Promise<void>;
}

export interface SecretStore {
  /** The raw value of a provider's secret; may hold several values for rotation (see secretValues). */
  get(provider: string, name: string): Promise<string>;
  /**
   * Reads the secret again past any cache, so a rotated value is used at once; undefined when it was re-read too
   * recently to do so again (a flood of forged requests must not become a flood of reads).
   */
  refresh?(provider: string, name: string): Promise<string | undefined>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type MetricUnit = 'Count' | 'Milliseconds' | 'Bytes' | 'None';

/** Where core reports what happened; one adapter turns it into Powertools logs and EMF metrics. */
export interface Telemetry {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  metric(name: string, value: number, unit: MetricUnit, dimensions: Record<string, string>): void;
}

export const silentTelemetry: Telemetry = { log() {}, metric() {} };

/**
 * An object store for payloads too big for a queue message and for the event archive
 * (S3 in AWS, a folder under `.local/blobs/` in the local stack). `get` of a missing key throws
 * IntegrationError('permanent'): no retry brings an expired object back.
 */
export interface BlobStore {
  put(key: string, body: Buffer | string, opts?: { contentType?: string }): Promise<void>;
  get(key: string): Promise<Buffer>;
}

/** A BlobStore that can list keys under a prefix (ops: replay reads the archive). */
export interface ListableBlobStore extends BlobStore {
  /** Every key that starts with `prefix`, in key order. */
  list(prefix: string): Promise<string[]>;
}
