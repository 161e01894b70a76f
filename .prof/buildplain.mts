import { build } from '/work/main/node_modules/esbuild/lib/main.js';
import { esbuildOptions } from '/work/main/bench/cold-start/rebuild';
import { stageBundle } from '/work/main/bench/cold-start/load-time';
const [entry, provider, name] = process.argv.slice(2);
const o = esbuildOptions(`/work/main/lambdas/handlers/${entry}.ts`, `/tmp/prof/plain-${name}/index.mjs`, { provider: provider === '-' ? undefined : provider });
await build({ ...o, minify: false, keepNames: true });
console.log(stageBundle(`/tmp/prof/plain-${name}/index.mjs`, `/tmp/prof/p-${name}`, '/work/main/node_modules'));
