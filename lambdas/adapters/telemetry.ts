import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_SERVICE } from '../core/env-contract';
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
};

function sinkConsole(sink: (line: string) => void): Console {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) sink(line);
      done();
    },
  });
  return new Console({ stdout: stream, stderr: stream });
}

// Powertools has no option to redirect output; the local stack and tests swap its console.
function redirect(target: object, console: Console): void {
  (target as { console: Console }).console = console;
}

/**
 * Powertools Logger (JSON) and Metrics (EMF). Metrics are buffered by dimension set and
 * published by `flush()` at the end of each invocation, one EMF document per set.
 *
 * @example
 * const telemetry = new PowertoolsTelemetry({ serviceName: 'webhook-ingest', namespace: 'IntegrationStack' });
 * telemetry.metric('WebhooksReceived', 1, 'Count', { provider: 'github', operation: 'webhook' });
 * telemetry.flush();
 */
export class PowertoolsTelemetry implements Telemetry {
  readonly logger: Logger;
  private readonly pending = new Map<string, { dims: Record<string, string>; values: [string, Unit, number][] }>();
  private readonly console?: Console;

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
      group = { dims: dimensions, values: [] };
      this.pending.set(key, group);
    }
    group.values.push([name, unit, value]);
  }

  flush(): void {
    for (const { dims, values } of this.pending.values()) {
      // One `service` dimension for every function, so alarms see one metric per provider and operation.
      const metrics = new Metrics({ namespace: this.opts.namespace, serviceName: METRICS_SERVICE, defaultDimensions: dims });
      if (this.console) redirect(metrics, this.console);
      for (const [name, unit, value] of values) metrics.addMetric(name, UNITS[unit], value);
      metrics.publishStoredMetrics();
    }
    this.pending.clear();
  }
}
