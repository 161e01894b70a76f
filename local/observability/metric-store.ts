import type { Statistic } from '../../lambdas/core/alarm-rules';

export type Dimensions = Record<string, string>;

export interface Series {
  namespace: string;
  name: string;
  dims: Dimensions;
  /** Epoch ms, ascending (within clock jitter). */
  times: number[];
  values: number[];
}

/** The dimension CloudWatch adds to every EMF document we emit; series are keyed without it. */
const IGNORED_DIMENSIONS = new Set(['service']);

function keyOf(namespace: string, name: string, dims: Dimensions): string {
  const parts = Object.keys(dims)
    .filter((k) => !IGNORED_DIMENSIONS.has(k))
    .sort()
    .map((k) => `${k}=${dims[k]}`);
  return `${namespace}|${name}|${parts.join(',')}`;
}

interface EmfDocument {
  _aws?: {
    Timestamp?: number;
    CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  [key: string]: unknown;
}

/**
 * The local stand-in for CloudWatch metrics: datapoints by namespace, name and dimension set, kept for a
 * bounded time. Written here because the local stack needs only this much of CloudWatch (EMF in, statistics
 * over a window out) and no maintained npm package offers it.
 *
 * @example
 * const store = new MetricStore(10 * 60_000);
 * store.ingest(emfLine);
 * store.values('IntegrationStack', 'SignatureRejected', { provider: 'github' }, from, to);
 */
export class MetricStore {
  private readonly series = new Map<string, Series>();

  constructor(
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  add(namespace: string, name: string, dims: Dimensions, value: number, at = this.now()): void {
    if (!Number.isFinite(value)) return;
    const key = keyOf(namespace, name, dims);
    let s = this.series.get(key);
    if (!s) {
      const kept = Object.fromEntries(Object.entries(dims).filter(([k]) => !IGNORED_DIMENSIONS.has(k)));
      s = { namespace, name, dims: kept, times: [], values: [] };
      this.series.set(key, s);
    }
    // Kept sorted by time (documents from concurrent invocations can arrive a few ms out of order).
    let i = s.times.length;
    while (i > 0 && s.times[i - 1]! > at) i -= 1;
    if (i === s.times.length) {
      s.times.push(at);
      s.values.push(value);
    } else {
      s.times.splice(i, 0, at);
      s.values.splice(i, 0, value);
    }
  }

  /** Takes one log line; returns whether it was an EMF document (metrics) rather than a log entry. */
  ingest(line: string): boolean {
    if (!line.startsWith('{"_aws"')) return false;
    let doc: EmfDocument;
    try {
      doc = JSON.parse(line) as EmfDocument;
    } catch {
      return false;
    }
    const at = typeof doc._aws?.Timestamp === 'number' ? doc._aws.Timestamp : this.now();
    for (const directive of doc._aws?.CloudWatchMetrics ?? []) {
      for (const set of directive.Dimensions) {
        const dims: Dimensions = {};
        for (const k of set) if (typeof doc[k] === 'string') dims[k] = doc[k] as string;
        for (const { Name } of directive.Metrics) {
          const v = doc[Name];
          for (const value of Array.isArray(v) ? v : [v])
            if (typeof value === 'number') this.add(directive.Namespace, Name, dims, value, at);
        }
      }
    }
    return true;
  }

  /**
   * Values of one exact series (dimension set without `service`) with from < time <= to: a window ending now includes
   * now.
   */
  values(namespace: string, name: string, dims: Dimensions, from: number, to: number): number[] {
    const s = this.series.get(keyOf(namespace, name, dims));
    if (!s) return [];
    return s.values.slice(firstAfter(s.times, from), firstAfter(s.times, to));
  }

  /** Every series of a metric whose dimensions pass `match`. */
  select(namespace: string, name: string, match: (dims: Dimensions) => boolean = () => true): Series[] {
    return [...this.series.values()].filter((s) => s.namespace === namespace && s.name === name && match(s.dims));
  }

  /** Drops datapoints older than the retention. */
  prune(): void {
    const oldest = this.now() - this.retentionMs;
    for (const [key, s] of this.series) {
      const i = firstAtOrAfter(s.times, oldest);
      if (i === s.times.length) this.series.delete(key);
      else if (i > 0) {
        s.times.splice(0, i);
        s.values.splice(0, i);
      }
    }
  }
}

/** Values of a series with from <= time < to (a chart bucket). */
export function window(s: Series, from: number, to: number): number[] {
  return s.values.slice(firstAtOrAfter(s.times, from), firstAtOrAfter(s.times, to));
}

/** Index of the first time >= t in sorted times (binary search). */
function firstAtOrAfter(times: number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first time > t in sorted times. */
function firstAfter(times: number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A CloudWatch statistic over one period's values; undefined when there are none (missing data).
 * Percentiles use the nearest-rank method.
 */
export function statistic(stat: Statistic, values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Minimum':
      return Math.min(...values);
    case 'Maximum':
      return Math.max(...values);
    case 'SampleCount':
      return values.length;
    default: {
      const p = Number(stat.slice(1));
      if (!Number.isFinite(p) || p < 0 || p > 100) throw new Error(`unsupported statistic ${stat}`);
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
    }
  }
}
