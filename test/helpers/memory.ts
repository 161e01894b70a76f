import { IntegrationError } from '../../lambdas/core/errors';
import type { ListableBlobStore, QueueMessage, QueueSender, SecretStore, Telemetry } from '../../lambdas/core/ports';

export class MemoryQueue implements QueueSender {
  readonly messages: QueueMessage[] = [];
  failing = false;
  async send(message: QueueMessage): Promise<void> {
    if (this.failing) throw new Error('queue unavailable');
    this.messages.push(message);
  }
}

export class MemorySecrets implements SecretStore {
  constructor(private readonly values: Record<string, Record<string, string>>) {}
  async get(provider: string, name: string): Promise<string> {
    const v = this.values[provider]?.[name];
    if (!v) throw new Error(`no secret ${provider}/${name}`);
    return v;
  }
}

/** Records what core reports; `text()` is everything it would have logged, for secret scans. */
export class RecordingTelemetry implements Telemetry {
  readonly logs: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  readonly metrics: { name: string; value: number; dims: Record<string, string> }[] = [];
  log(level: string, message: string, fields?: Record<string, unknown>): void {
    this.logs.push({ level, message, fields });
  }
  metric(name: string, value: number, _unit: string, dims: Record<string, string>): void {
    this.metrics.push({ name, value, dims });
  }
  /** Sum of a metric under exactly this dimension set (each metric is emitted under several). */
  count(name: string, dims: Record<string, string>): number {
    const same = (d: Record<string, string>) =>
      Object.keys(d).length === Object.keys(dims).length && Object.entries(dims).every(([k, v]) => d[k] === v);
    return this.metrics.filter((m) => m.name === name && same(m.dims)).reduce((s, m) => s + m.value, 0);
  }
  text(): string {
    return JSON.stringify([this.logs, this.metrics]);
  }
}

/** A BlobStore in memory, for unit tests of code that stores bodies or archives. */
export class MemoryBlobs implements ListableBlobStore {
  readonly objects = new Map<string, Buffer>();
  failing = false;
  async put(key: string, body: Buffer | string): Promise<void> {
    if (this.failing) throw new Error('blob store unavailable');
    this.objects.set(key, Buffer.from(body));
  }
  async get(key: string): Promise<Buffer> {
    const v = this.objects.get(key);
    if (!v) throw new IntegrationError('permanent', `blob ${key} does not exist (expired or never written)`);
    return v;
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
