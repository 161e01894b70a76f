import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Figure } from './figure';
import { scenarios } from './scenarios';

const { values } = parseArgs({ options: { scenario: { type: 'string', multiple: true }, quick: { type: 'boolean', default: false } } });
const wanted = values.scenario ?? scenarios.map((s) => s.id);
const unknown = wanted.filter((id) => !scenarios.some((s) => s.id === id));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${scenarios.map((s) => s.id).join(', ')}`);
  process.exit(2);
}

const results: Figure[] = [];
for (const scenario of scenarios.filter((s) => wanted.includes(s.id))) {
  const started = Date.now();
  console.error(`> ${scenario.id}: ${scenario.description}`);
  results.push(...(await scenario.run({ quick: values.quick })));
  console.error(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const rows = results.map((r) => [r.scenario, r.figure, `${r.value} ${r.unit}`, r.baseline === null ? '' : `${r.baseline} ${r.unit}`, r.ratio === null ? '' : `${r.ratio}x`, r.target]);
const head = ['scenario', 'figure', 'value', 'baseline', 'ratio', 'target'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));

const out = join(dirname(fileURLToPath(import.meta.url)), 'results.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${out}`);
process.exit(0);
