import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Figure, RunOptions, Scenario } from './figure';

/**
 * Whether a figure meets its target: "<= 150 KB" compares the value (same unit), ">= 0.7 ratio"
 * the ratio; undefined when there is no target or it cannot be read.
 */
export function meetsTarget(f: Figure): boolean | undefined {
  const m = /^(<=|>=)\s*(-?[\d.]+)\s*(.*)$/.exec(f.target.trim());
  if (!m) return undefined;
  const [, op, limit, unit] = m;
  const subject = unit === 'ratio' ? f.ratio : unit === f.unit || unit === '' ? f.value : null;
  if (subject === null || !Number.isFinite(subject)) return undefined;
  return op === '<=' ? subject <= Number(limit) : subject >= Number(limit);
}

/**
 * The figures as an aligned text table: value, baseline, ratio, target and whether it is met.
 *
 * @example
 * console.log(formatTable([figure('processor', 'throughput', 180, 'events/s', { baseline: 200, target: '>= 0.7 ratio' })]));
 */
export function formatTable(results: readonly Figure[]): string {
  const verdict = verdictOf;
  const rows = results.map((r) => [
    r.scenario,
    r.figure,
    `${r.value} ${r.unit}`,
    r.baseline === null ? '' : `${r.baseline} ${r.unit}`,
    r.ratio === null ? '' : `${r.ratio}x`,
    r.target,
    verdict(r),
  ]);
  const head = ['scenario', 'figure', 'value', 'baseline', 'ratio', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const verdictOf = (f: Figure): string =>
  ({ true: 'met', false: 'MISSED', undefined: '' })[String(meetsTarget(f)) as 'true' | 'false' | 'undefined'];
const num = (n: number): string => String(Math.round(n * 1000) / 1000);

/**
 * Every figure that has a target, one line each with met or MISSED, and the scenarios that failed (their targets
 * not measured): the summary `npm run bench` ends with.
 *
 * @example
 * console.log(formatSummary(results, ['cost']));
 */
export function formatSummary(results: readonly Figure[], failed: readonly string[]): string {
  const targeted = results.filter((f) => meetsTarget(f) !== undefined);
  const met = targeted.filter((f) => meetsTarget(f)).length;
  const lines = targeted.map((f) => {
    const measured = f.target.endsWith('ratio') ? `${f.ratio}x` : `${num(f.value)} ${f.unit}`;
    return `${verdictOf(f).padEnd(6)}  ${f.scenario}: ${f.figure}: ${measured} (target ${f.target})`;
  });
  const notRun = failed.map((id) => `FAILED  ${id}: scenario failed, its targets not measured`);
  return [`targets: ${met} of ${targeted.length} met`, ...lines, ...notRun].join('\n');
}

/** Where and how a run happened, for the docs: load average before and after, node, cores, duration. */
export interface RunMeta {
  date: string;
  node: string;
  /** Set when cold starts were timed with another node binary (`--node`). */
  coldStartNode?: string;
  cores: number;
  seconds: number;
  loadBefore: number[];
  loadAfter: number[];
  quick: boolean;
}

/**
 * The figures as the Markdown table docs/benchmarks.md holds ("Figures of one full run"), headed by the run's
 * machine and load, so a full run's table is pasted as written.
 */
export function formatMarkdown(results: readonly Figure[], meta: RunMeta): string {
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');
  const head = `${meta.date}: ${meta.cores} cores, Node ${meta.node}${meta.coldStartNode ? ` (cold starts on Node ${meta.coldStartNode})` : ''}, ${Math.round(meta.seconds)} s${meta.quick ? ' (--quick: not for comparison)' : ''}; load average (1 / 5 / 15 min) ${load(meta.loadBefore)} before, ${load(meta.loadAfter)} after.`;
  const cell = (t: string) => t.replace(/\|/g, '\\|');
  const rows = results.map((r) =>
    [
      r.scenario,
      r.figure,
      `${num(r.value)} ${r.unit}`,
      r.baseline === null ? '' : `${num(r.baseline)} ${r.unit}`,
      r.ratio === null ? '' : `${r.ratio}`,
      r.target,
      verdictOf(r),
    ].map(cell),
  );
  const table = [
    ['scenario', 'figure', 'value', 'baseline', 'ratio', 'target', ''],
    ['---', '---', '---', '---', '---', '---', '---'],
    ...rows,
  ].map((r) => `| ${r.join(' | ')} |`);
  return [head, '', ...table, ''].join('\n');
}

export function writeResults(path: string, results: readonly Figure[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

export interface RunReport {
  results: Figure[];
  failures: { id: string; error: unknown }[];
}

/**
 * Runs scenarios one after another (never in parallel: they would measure each other), logging
 * progress to `log`; a scenario that throws is reported and the others still run.
 *
 * @example
 * const { results, failures } = await runScenarios(scenarios, { quick: true });
 */
export async function runScenarios(
  list: readonly Scenario[],
  opts: RunOptions = {},
  log: (line: string) => void = (l) => console.error(l),
): Promise<RunReport> {
  const report: RunReport = { results: [], failures: [] };
  const started = performance.now();
  for (const scenario of list) {
    const t0 = performance.now();
    log(`> ${scenario.id}: ${scenario.description}`);
    try {
      report.results.push(...(await scenario.run(opts)));
      log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (error) {
      report.failures.push({ id: scenario.id, error });
      log(
        `  FAILED after ${((performance.now() - t0) / 1000).toFixed(1)} s: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }
  log(`all scenarios in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return report;
}
