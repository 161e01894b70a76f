/** One line of `bench/results.json`: a measured value, its same-run baseline, and the target it answers. */
export interface Figure {
  scenario: ScenarioId;
  figure: string;
  value: number;
  unit: string;
  /** Measured in the same run (never a remembered number); null when the figure has none. */
  baseline: number | null;
  /** value / baseline, or null without a baseline. */
  ratio: number | null;
  /** The target in words, e.g. ">= 0.5 ratio" or "<= 150 us"; empty when informational. */
  target: string;
}

export type ScenarioId =
  | 'webhook-ingest'
  | 'rate-limited-sync'
  | 'backfill'
  | 'processor'
  | 'cold-start'
  | 'cost'
  | 'records-api';

export interface RunOptions {
  /** A smoke run: fewer rounds and requests, figures only indicative. */
  quick?: boolean;
  /** The `node` binary cold starts are timed with (e.g. Lambda's major), and its version; default the bench's own. */
  node?: { path: string; version: string };
}

export interface Scenario {
  id: ScenarioId;
  description: string;
  run(opts?: RunOptions): Promise<Figure[]>;
}

export function figure(
  scenario: ScenarioId,
  name: string,
  value: number,
  unit: string,
  opts: { baseline?: number | null; target?: string } = {},
): Figure {
  const baseline = opts.baseline ?? null;
  return {
    scenario,
    figure: name,
    value: round(value),
    unit,
    baseline: baseline === null ? null : round(baseline),
    ratio: baseline ? round(value / baseline) : null,
    target: opts.target ?? '',
  };
}

const round = (n: number): number => (Number.isFinite(n) ? Math.round(n * 1000) / 1000 : n);
