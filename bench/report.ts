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
  const verdict = (f: Figure) =>
    ({ true: 'met', false: 'MISSED', undefined: '' })[String(meetsTarget(f)) as 'true' | 'false' | 'undefined'];
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
