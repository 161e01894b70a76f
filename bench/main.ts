import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliMain, parseCli, UsageError } from '../bin/cli/main';
import { formatMarkdown, formatSummary, formatTable, runScenarios, writeResults } from './report';
import { scenarios } from './scenarios';

export const USAGE = `npm run bench -- [--scenario ID [--scenario ID2 ...]] [--quick] [--out FILE] [--node PATH]

Runs the benchmark scenarios one after another (all by default), prints their figures against baselines and
targets, ends with every target met or MISSED, and writes bench/results.json and bench/results.md (the table
docs/benchmarks.md holds, with the machine's load during the run). Progress goes to stderr.
  --scenario ID   only this scenario (repeatable): ${scenarios.map((s) => s.id).join(', ')}
  --quick         smoke-test sizes: figures not for comparison
  --out FILE      write the results there instead of bench/results.json (and the table beside it, .md)
  --node PATH     time cold starts with this node binary, e.g. Lambda's Node 22 (docs/benchmarks.md#cold-start)
Exit code: 0 when every scenario ran, 1 when one failed, 2 on bad usage.`;

const OPTIONS = {
  scenario: { type: 'string', multiple: true },
  quick: { type: 'boolean', default: false },
  out: { type: 'string' },
  node: { type: 'string' },
} as const;

/** The version of the `node` binary at `path`, or a usage error when it does not run or cannot load the bundles. */
function nodeVersion(path: string): string {
  let probe: string;
  try {
    const script = 'process.versions.node + " " + typeof process.getBuiltinModule';
    probe = execFileSync(path, ['-p', script], { encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch {
    throw new UsageError(`--node must be a node binary that runs, got ${path}`);
  }
  const [version = '', getBuiltin] = probe.split(' ');
  // The bundles take builtins with it (docs/benchmarks.md#cold-start): Node 20.16 and later, 22.3 and later.
  if (getBuiltin !== 'function')
    throw new UsageError(`--node must have process.getBuiltinModule (Node 20.16+ or 22.3+), got ${version}`);
  return version;
}

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
  // A path made absolute (the cold-start children run in each bundle's folder); a bare name is looked up on PATH.
  const node = values.node?.includes('/') ? resolve(values.node) : values.node;
  const coldStartNode = node ? { path: node, version: nodeVersion(node) } : undefined;
  const [loadBefore, started] = [loadavg(), performance.now()];
  const { results, failures } = await runScenarios(chosen, { quick: values.quick, node: coldStartNode }, (line) =>
    io.stderr.write(`${line}\n`),
  );
  const meta = {
    date: new Date().toISOString().slice(0, 10),
    node: process.versions.node,
    coldStartNode: chosen.some((s) => s.id === 'cold-start') ? coldStartNode?.version : undefined,
    cores: availableParallelism(),
    seconds: (performance.now() - started) / 1000,
    loadBefore,
    loadAfter: loadavg(),
    quick: values.quick,
  };
  io.stdout.write(
    `${formatTable(results)}\n\n${formatSummary(
      results,
      failures.map((f) => f.id),
    )}\n`,
  );
  const out = values.out ? resolve(values.out) : join(dirname(fileURLToPath(import.meta.url)), 'results.json');
  writeResults(out, results);
  const markdown = out.replace(/(\.json)?$/, '.md');
  writeFileSync(markdown, formatMarkdown(results, meta));
  io.stdout.write(
    `\nwrote ${out} and ${markdown} (the table for docs/benchmarks.md)${values.quick ? ' (--quick: smoke-test figures, not for comparison)' : ''}\n`,
  );
  if (failures.length > 0) io.stderr.write(`failed: ${failures.map((f) => f.id).join(', ')}\n`);
  return failures.length > 0 ? 1 : 0;
});
