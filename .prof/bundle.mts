import { build } from '/work/main/node_modules/esbuild/lib/main.js';
import { esbuildOptions } from '/work/main/bench/cold-start/rebuild';
for (const name of process.argv.slice(2)) {
  const o = esbuildOptions(`/work/main/.prof/e/${name}.ts`, `/tmp/prof/e-${name}/index.mjs`, {});
  const r = await build({ ...o });
  console.log(name, Object.entries(r.metafile!.outputs).map(([k, o]) => k + " " + o.bytes).join(" "));
}
