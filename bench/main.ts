import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliMain, parseCli, UsageError } from '../bin/cli/main';
import { formatTable, runScenarios, writeResults } from './report';
import { scenarios } from './scenarios';

export const USAGE = `npm run bench -- [--scenario ID [--scenario ID2 ...]] [--quick] [--out FILE]

Runs the benchmark scenarios one after another (all by default), prints their figures against baselines and
targets, and writes bench/results.json. Progress goes to stderr.
  --scenario ID   only this scenario (repeatable): ${scenarios.map((s) => s.id).join(', ')}
  --quick         smoke-test sizes: figures not for comparison
  --out FILE      write the results there instead of bench/results.json
Exit code: 0 when every scenario ran, 1 when one failed, 2 on bad usage.`;

const OPTIONS = {
  scenario: { type: 'string', multiple: true },
  quick: { type: 'boolean', default: false },
  out: { type: 'string' },
} as const;

/**
 * `npm run bench`: resolves to the exit code.
 *
 * @example
 * const code = await main(['--scenario', 'cold-start', '--quick'], io);
 */
export const main = cliMain(USAGE, async (argv, io) => {
  const { values } = parseCli(argv, { options: OPTIONS });
  const wanted = values.scenario ?? scenarios.map((s) => s.id);
  const unknown = wanted.filter((id) => !scenarios.some((s) => s.id === id));
  if (unknown.length > 0) throw new UsageError(`unknown scenario(s): ${unknown.join(', ')}`);
  const chosen = scenarios.filter((s) => wanted.includes(s.id));
  const { results, failures } = await runScenarios(chosen, { quick: values.quick }, (line) =>
    io.stderr.write(`${line}\n`),
  );
  io.stdout.write(`${formatTable(results)}\n`);
  const out = values.out ? resolve(values.out) : join(dirname(fileURLToPath(import.meta.url)), 'results.json');
  writeResults(out, results);
  io.stdout.write(`\nwrote ${out}${values.quick ? ' (--quick: smoke-test figures, not for comparison)' : ''}\n`);
  if (failures.length > 0) io.stderr.write(`failed: ${failures.map((f) => f.id).join(', ')}\n`);
  return failures.length > 0 ? 1 : 0;
});
