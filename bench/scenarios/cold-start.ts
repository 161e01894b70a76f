import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure, type Figure, type RunOptions, type Scenario } from '../figure';
import { loadOnce, stageBundle, type LoadSample } from '../cold-start/load-time';
import { bytesByPackage, rebuild } from '../cold-start/rebuild';
import { synthBundles, type SynthBundle } from '../cold-start/synth';
import { ENV } from '../../lambdas/core/env-contract';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const kb = (bytes: number): number => bytes / 1024;

/** The `@aws-sdk/*` packages a bundle imports statically, i.e. at init (dynamic imports load later, on use). */
export function staticSdkImports(code: string): string[] {
  return [
    ...new Set([...code.matchAll(/(?:^|[;\s}])import\s*(?:[^;"'()]*?from\s*)?"(@aws-sdk\/[^"]+)"/g)].map((m) => m[1]!)),
  ].sort();
}

type Measured = SynthBundle & { functions: string[] };

/**
 * A function serving one provider bundles only that provider: one bundle per handler and provider. Each handler's
 * largest one (the one nearest the target) is measured; the others' sizes are printed.
 */
function largestPerHandler(all: SynthBundle[]): Measured[] {
  const byHandler = new Map<string, SynthBundle[]>();
  for (const b of all) byHandler.set(b.handler, [...(byHandler.get(b.handler) ?? []), b]);
  return [...byHandler.values()].map((list) => {
    const sorted = [...list].sort((a, b) => b.bytes - a.bytes);
    if (sorted.length > 1)
      console.error(
        `  ${sorted[0]!.handler}: ${sorted.length} bundles, by provider: ${sorted.map((x) => `${x.environment[ENV.provider] ?? 'all'} ${kb(x.bytes).toFixed(1)}`).join(', ')} KB`,
      );
    return { ...sorted[0]!, functions: sorted.flatMap((x) => x.functions) };
  });
}

/** The same handler rebuilt with the AWS SDK bundled in, staged to load: the baseline. */
async function baselineOf(
  b: Measured,
  work: string,
  sdk: string[],
): Promise<{ dir: string; bytes: number } | undefined> {
  if (!b.entry) return undefined;
  const provider = b.environment[ENV.provider];
  const same = await rebuild(b.entry, join(work, 'rebuild', b.handler), { bundleSdk: false, provider });
  const parts = bytesByPackage(same.metafile)
    .slice(0, 6)
    .map(([name, bytes]) => `${name} ${kb(bytes).toFixed(1)}`)
    .join(', ');
  console.error(
    `  ${b.handler}${provider ? ` (${provider})` : ''}: ${kb(b.bytes).toFixed(1)} KB${same.bytes === b.bytes ? '' : ` (rebuild: ${kb(same.bytes).toFixed(1)} KB, options differ)`}; largest: ${parts} KB; SDK at init: ${sdk.join(', ') || 'none'}`,
  );
  const withSdk = await rebuild(b.entry, join(work, 'with-sdk-build', b.handler), { bundleSdk: true, provider });
  return {
    dir: stageBundle(withSdk.bundle, join(work, 'with-sdk', b.handler), join(ROOT, 'node_modules')),
    bytes: withSdk.bytes,
  };
}

/** Load times of a bundle and its baseline: one unmeasured load each (disk cache), then alternating runs so load on the machine hits both alike. */
async function measure(b: Measured, work: string, runs: number): Promise<Figure[]> {
  const sdk = staticSdkImports(readFileSync(b.bundle, 'utf8'));
  const ours = stageBundle(b.bundle, join(work, 'ours', b.handler), join(ROOT, 'node_modules'));
  const baseline = await baselineOf(b, work, sdk);
  const samples: Record<'ours' | 'baseline', LoadSample[]> = { ours: [], baseline: [] };
  const env = { ...b.environment, AWS_LAMBDA_FUNCTION_NAME: b.functions[0]! };
  for (let r = -1; r < runs; r += 1) {
    const a = await loadOnce(ours, env, sdk);
    const c = baseline ? await loadOnce(baseline.dir, env) : undefined;
    if (r < 0) continue;
    samples.ours.push(a);
    if (c) samples.baseline.push(c);
  }
  const m = (key: keyof typeof samples, f: (s: LoadSample) => number): number | null =>
    samples[key].length ? median(samples[key].map(f)) : null;
  const [id, who] = ['cold-start' as const, b.handler];
  console.error(`  ${who}: ${b.functions.length} function(s); ${runs} loads each of the largest bundle, alternating`);
  return [
    figure(id, `${who}: bundle size, largest (baseline = SDK bundled)`, kb(b.bytes), 'KB', {
      baseline: baseline ? kb(baseline.bytes) : null,
      target: '<= 150 KB',
    }),
    figure(id, `${who}: import + init, median (baseline = SDK bundled)`, m('ours', (s) => s.importMs)!, 'ms', {
      baseline: m('baseline', (s) => s.importMs),
      target: '<= 50 ms',
    }),
    figure(id, `${who}: of which the runtime SDK packages it imports`, m('ours', (s) => s.sdkMs)!, 'ms'),
    figure(id, `${who}: of which its own code and init`, m('ours', (s) => s.importMs - s.sdkMs)!, 'ms'),
    figure(id, `${who}: whole node process (baseline = SDK bundled)`, m('ours', (s) => s.processMs)!, 'ms', {
      baseline: m('baseline', (s) => s.processMs),
    }),
  ];
}

/**
 * Cold start: every Lambda bundle a real `cdk synth` produces, its size, and for each handler's largest, the time to import it
 * (module-scope init included, as Lambda's init phase runs it) in a fresh `node` with the AWS SDK
 * resolved from node_modules as the runtime provides it. Baseline, in the same run and alternating:
 * the same handler built with the same esbuild options but the AWS SDK bundled in (tree-shaken).
 * The import is split in two: the SDK packages the bundle imports statically (the floor the
 * runtime's SDK sets whatever our code does), then the bundle itself. esbuild's metafile says what
 * fills each bundle.
 */
export const coldStart: Scenario = {
  id: 'cold-start',
  description:
    "each handler's largest Lambda bundle from cdk synth: size and import time in a fresh node, vs the same handler with the AWS SDK bundled in",
  async run(opts: RunOptions = {}): Promise<Figure[]> {
    const runs = opts.quick ? 3 : 5;
    const work = mkdtempSync(join(tmpdir(), 'bench-cold-start-'));
    try {
      const all = await synthBundles(ROOT, join(work, 'cdk.out'));
      if (all.length === 0) throw new Error('cdk synth produced no Lambda bundle');
      const figures: Figure[] = [];
      for (const b of largestPerHandler(all)) figures.push(...(await measure(b, work, runs)));
      return figures;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
