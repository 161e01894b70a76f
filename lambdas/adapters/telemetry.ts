import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_SERVICE } from '../core/env-contract';
import { GAUGE_COUNTS } from '../core/metrics';
import type { LogLevel, MetricUnit as Unit, Telemetry } from '../core/ports';

export interface TelemetryOptions {
  serviceName: string;
  namespace: string;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Receives every JSON log line and EMF document instead of stdout (local stack, tests). */
  sink?: (line: string) => void;
}

export { METRICS_SERVICE };

const UNITS: Record<Unit, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Milliseconds: MetricUnit.Milliseconds,
  Bytes: MetricUnit.Bytes,
  None: MetricUnit.NoUnit,
};

// Powertools writes one string per call (a JSON log line or an EMF document), so a plain object
// suffices; a node Console over a Writable cost a format, a stream write and a split per line.
function sinkConsole(sink: (line: string) => void): Console {
  const write = (line: unknown): void => {
    for (const part of String(line).split('\n')) if (part) sink(part);
  };
  return { log: write, info: write, warn: write, error: write, debug: write, trace: write } as unknown as Console;
}

// Powertools has no option to redirect output; the local stack and tests swap its console.
function redirect(target: object, console: Console): void {
  (target as { console: Console }).console = console;
}

// Powertools publishes by itself (and drops the added dimension sets) on the 100th value of one metric,
// or on any value once 100 names are stored; documents below both limits are published only by us, whole.
const MAX_VALUES_PER_METRIC = 99;
const MAX_METRICS_PER_DOCUMENT = 99;

/** Splits values into documents Powertools never has to publish early. */
function chunks(values: [string, Unit, number][]): [string, Unit, number][][] {
  const out: [string, Unit, number][][] = [];
  let chunk: [string, Unit, number][] = [];
  let counts = new Map<string, number>();
  for (const v of values) {
    const n = counts.get(v[0]) ?? 0;
    if (n >= MAX_VALUES_PER_METRIC || (n === 0 && counts.size >= MAX_METRICS_PER_DOCUMENT)) {
      out.push(chunk);
      chunk = [];
      counts = new Map();
    }
    chunk.push(v);
    counts.set(v[0], (counts.get(v[0]) ?? 0) + 1);
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

/**
 * Powertools Logger (JSON) and Metrics (EMF). Metrics are buffered by dimension set and
 * published by `flush()` at the end of each invocation; sets with identical metrics share a document.
 *
 * @example
 * const telemetry = new PowertoolsTelemetry({ serviceName: 'webhook-ingest', namespace: 'IntegrationStack' });
 * telemetry.metric('WebhooksReceived', 1, 'Count', { provider: 'github', operation: 'webhook' });
 * telemetry.flush();
 */
export class PowertoolsTelemetry implements Telemetry {
  readonly logger: Logger;
  private readonly pending = new Map<
    string,
    { dims: Record<string, string>; values: [string, Unit, number][]; counts: Map<string, [string, Unit, number]> }
  >();
  private readonly console?: Console;
  private readonly publishers = new Map<string, Metrics>();

  constructor(private readonly opts: TelemetryOptions) {
    this.logger = new Logger({ serviceName: opts.serviceName, logLevel: opts.logLevel ?? 'INFO' });
    if (opts.sink) {
      this.console = sinkConsole(opts.sink);
      redirect(this.logger, this.console);
    }
  }

  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (fields) this.logger[level](message, fields);
    else this.logger[level](message);
  }

  metric(name: string, value: number, unit: Unit, dimensions: Record<string, string>): void {
    const key = JSON.stringify(dimensions);
    let group = this.pending.get(key);
    if (!group) {
      group = { dims: dimensions, values: [], counts: new Map() };
      this.pending.set(key, group);
    }
    // Occurrence counts go out as one sum per flush: a batch of 50 events is one value, not fifty.
    const sum = unit === 'Count' && !GAUGE_COUNTS.has(name) ? group.counts.get(name) : undefined;
    if (sum) sum[2] += value;
    else {
      const entry: [string, Unit, number] = [name, unit, value];
      group.values.push(entry);
      if (unit === 'Count' && !GAUGE_COUNTS.has(name)) group.counts.set(name, entry);
    }
  }

  flush(): void {
    // Dimension sets carrying the very same metrics (emitMetric's {provider} and {provider, operation})
    // go out as one EMF document with several dimension sets: half the documents, log bytes and CPU.
    // Only sets that agree on every shared key merge: one document carries one value per dimension.
    const groups: {
      signature: string;
      union: Record<string, string>;
      dims: Record<string, string>[];
      values: [string, Unit, number][];
    }[] = [];
    for (const { dims, values } of this.pending.values()) {
      if (values.length === 0) continue;
      const signature = JSON.stringify(values);
      const group = groups.find(
        (g) =>
          g.signature === signature &&
          Object.entries(dims).every(([k, v]) => g.union[k] === undefined || g.union[k] === v),
      );
      if (group) {
        group.dims.push(dims);
        Object.assign(group.union, dims);
      } else groups.push({ signature, union: { ...dims }, dims: [dims], values });
    }
    for (const { dims, values } of groups) this.publish(dims, values);
    this.pending.clear();
  }

  private publish(sets: Record<string, string>[], values: [string, Unit, number][]): void {
    // Shared dimensions (same key, same value in every set) become the document's default dimensions.
    const shared = Object.fromEntries(Object.entries(sets[0]!).filter(([k, v]) => sets.every((d) => d[k] === v)));
    const key = JSON.stringify(shared);
    // One Metrics per shared set, kept across invocations: building one per flush (a Console, env
    // reads) was half the ingest handler's CPU in the webhook-ingest bench.
    let metrics = this.publishers.get(key);
    if (!metrics) {
      // One `service` dimension for every function, so alarms see one metric per provider and operation.
      metrics = new Metrics({
        namespace: this.opts.namespace,
        serviceName: METRICS_SERVICE,
        defaultDimensions: shared,
      });
      if (this.console) redirect(metrics, this.console);
      this.publishers.set(key, metrics);
    }
    for (const chunk of chunks(values)) {
      // Powertools clears added dimension sets on every publish, so each document adds them again.
      if (sets.length > 1) {
        for (const d of sets)
          metrics.addDimensions(Object.fromEntries(Object.entries(d).filter(([k]) => !(k in shared))));
      }
      for (const [name, unit, value] of chunk) metrics.addMetric(name, UNITS[unit], value);
      metrics.publishStoredMetrics();
    }
  }
}
