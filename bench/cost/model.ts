import { addUsage, scaleUsage, xraySampled, type Usage } from './pricing';

/** Seconds in the month AWS prices assume (30 days). */
export const MONTH_SECONDS = 30 * 86_400;

/**
 * Usage per event split into what every event costs and what every processor batch costs, from two
 * measured runs of the same events at different mean batch sizes: `u = perEvent + perBatch / b`.
 */
export interface BatchModel {
  perEvent: Usage;
  perBatch: Usage;
}

/**
 * @example
 * const m = batchModel({ usage: perEventAt10, batch: 8 }, { usage: perEventAt1, batch: 1 });
 * atBatch(m, 10).s3Puts // 0.1: one archive PUT per batch
 */
export function batchModel(a: { usage: Usage; batch: number }, b: { usage: Usage; batch: number }): BatchModel {
  if (a.batch === b.batch) throw new Error('two different batch sizes are needed');
  // u_a - u_b = perBatch (1/a - 1/b)
  const perBatch = scaleUsage(addUsage(a.usage, scaleUsage(b.usage, -1)), 1 / (1 / a.batch - 1 / b.batch));
  const perEvent = addUsage(a.usage, scaleUsage(perBatch, -1 / a.batch));
  return { perEvent, perBatch };
}

/** Usage per event at mean batch size `batch`. */
export const atBatch = (m: BatchModel, batch: number): Usage => addUsage(m.perEvent, scaleUsage(m.perBatch, 1 / batch));

/** A traffic profile: how fast each provider's webhooks arrive, and so how full batches get. */
export interface Profile {
  name: string;
  label: string;
  /** Webhooks a second per provider (each provider has its own ingest function, queue and processor). */
  perProvider: number;
  providers: number;
}

/**
 * The mean batch the event source mapping hands the processor: what arrives within the batching
 * window after the first message, up to the batch size (steady Poisson arrivals; bursts fill more).
 */
export const meanBatch = (perProvider: number, windowSeconds: number, batchSize: number): number =>
  Math.min(batchSize, 1 + perProvider * windowSeconds);

/**
 * What the measured runs cannot show, added for a profile: Secrets Manager calls (each provider's warm
 * ingest container fetches its secrets once per cache TTL: `callsPerTtl` in all) and, with active
 * tracing, X-Ray traces (Lambda records the first invocation each second and 5 % of the rest, per
 * function: ingest per webhook, processor per batch).
 */
export function withTraffic(
  u: Usage,
  p: Profile,
  opts: { batch: number; secretsCallsPerTtl: number; ttlSeconds: number; tracing: boolean },
): Usage {
  const rate = p.perProvider * p.providers;
  const traced = opts.tracing ? xraySampled(p.perProvider) + xraySampled(p.perProvider / opts.batch) / opts.batch : 0;
  return { ...u, secretsManagerCalls: opts.secretsCallsPerTtl / (opts.ttlSeconds * rate), xrayTraces: traced };
}
