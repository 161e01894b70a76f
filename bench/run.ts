import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatTable, runScenarios, writeResults } from './report';
import { scenarios } from './scenarios';

// npm run bench [-- --scenario ID [--scenario ID2]] [--quick] [--out FILE]
const { values } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const wanted = values.scenario ?? scenarios.map((s) => s.id);
const unknown = wanted.filter((id) => !scenarios.some((s) => s.id === id));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${scenarios.map((s) => s.id).join(', ')}`);
  process.exit(2);
}

const { results, failures } = await runScenarios(
  scenarios.filter((s) => wanted.includes(s.id)),
  { quick: values.quick },
);
console.log(formatTable(results));
const out = values.out ? resolve(values.out) : join(dirname(fileURLToPath(import.meta.url)), 'results.json');
writeResults(out, results);
console.log(`\nwrote ${out}${values.quick ? ' (--quick: smoke-test figures, not for comparison)' : ''}`);
if (failures.length > 0) console.error(`failed: ${failures.map((f) => f.id).join(', ')}`);
process.exit(failures.length > 0 ? 1 : 0);
