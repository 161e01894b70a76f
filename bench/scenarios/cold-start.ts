import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure, type Figure, type RunOptions, type Scenario } from '../figure';
import { bareNodeOnce, loadOnce, stageBundle, type LoadSample } from '../cold-start/load-time';
import { bytesByPackage, rebuild } from '../cold-start/rebuild';
import { synthBundles, type SynthBundle } from '../cold-start/synth';
import { ENV } from '../../lambdas/core/env-contract';
import { BUNDLING } from '../../lib/lambda-function';

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

/** Whether the stack bundles the AWS SDK (BUNDLING leaves nothing of it external) or loads the runtime's copy. */
export const STACK_SDK: 'bundled' | 'runtime' = (BUNDLING.externalModules as readonly string[]).includes('@aws-sdk/*')
  ? 'runtime'
  : 'bundled';
const OTHER_SDK = STACK_SDK === 'bundled' ? 'runtime' : 'bundled';
const SDK_WORDS = { bundled: 'SDK bundled', runtime: "runtime's SDK" } as const;

/** Whole-process cold start over a bare `node -e 0`: the targets of issue #19 (ingest answers webhooks, so tighter). */
export const PROCESS_RATIO_TARGET = (handler: string): string =>
  handler === 'webhook-ingest' ? '<= 1.5 ratio' : '<= 2 ratio';

/** The same handler rebuilt with the other SDK choice (bundled vs the runtime's copy), staged to load. */
async function alternativeOf(
  b: Measured,
  work: string,
  sdk: string[],
): Promise<{ dir: string; bytes: number; sdk: string[] } | undefined> {
  if (!b.entry) return undefined;
  const provider = b.environment[ENV.provider];
  const same = await rebuild(b.entry, join(work, 'rebuild', b.handler), { provider });
  const parts = bytesByPackage(same.metafile)
    .slice(0, 6)
    .map(([name, bytes]) => `${name} ${kb(bytes).toFixed(1)}`)
    .join(', ');
  console.error(
    `  ${b.handler}${provider ? ` (${provider})` : ''}: ${kb(b.bytes).toFixed(1)} KB${same.bytes === b.bytes ? '' : ` (rebuild: ${kb(same.bytes).toFixed(1)} KB, options differ)`}; largest: ${parts} KB; runtime SDK at init: ${sdk.join(', ') || 'none'}`,
  );
  const other = await rebuild(b.entry, join(work, 'other-build', b.handler), { sdk: OTHER_SDK, provider });
  return {
    dir: stageBundle(other.bundle, join(work, 'other', b.handler), join(ROOT, 'node_modules')),
    bytes: other.bytes,
    sdk: staticSdkImports(readFileSync(other.bundle, 'utf8')),
  };
}

type Samples = { bare: number[]; ours: LoadSample[]; other: LoadSample[] };

/** The `node` binary the children run, and the words figures get when it is not the bench's own. */
interface Timer {
  node: string;
  on: string;
}

/**
 * Rounds of bare node, the stack's bundle and the alternative, in an order that rotates so load on the machine hits all
 * alike.
 */
async function sampleRounds(
  ours: string,
  other: { dir: string; sdk: string[] } | undefined,
  env: Record<string, string>,
  sdk: string[],
  runs: number,
  node: string,
): Promise<Samples> {
  const samples: Samples = { bare: [], ours: [], other: [] };
  const steps: (() => Promise<void>)[] = [
    async () => void samples.bare.push(await bareNodeOnce(dirname(ours), env, node)),
    async () => void samples.ours.push(await loadOnce(ours, env, sdk, node)),
    async () => void (other && samples.other.push(await loadOnce(other.dir, env, other.sdk, node))),
  ];
  for (const step of steps) await step(); // unmeasured: fills the disk cache
  samples.bare.length = samples.ours.length = samples.other.length = 0;
  for (let r = 0; r < runs; r += 1) for (let i = 0; i < steps.length; i += 1) await steps[(r + i) % steps.length]!();
  return samples;
}

/** Load times of a bundle, its alternative and a bare node, alternating. */
async function measure(b: Measured, work: string, runs: number, { node, on }: Timer): Promise<Figure[]> {
  const sdk = staticSdkImports(readFileSync(b.bundle, 'utf8'));
  const ours = stageBundle(b.bundle, join(work, 'ours', b.handler), join(ROOT, 'node_modules'));
  const other = await alternativeOf(b, work, sdk);
  const env = { ...b.environment, AWS_LAMBDA_FUNCTION_NAME: b.functions[0]! };
  const s = await sampleRounds(ours, other, env, sdk, runs, node);
  const m = (xs: LoadSample[], f: (x: LoadSample) => number): number | null => (xs.length ? median(xs.map(f)) : null);
  const [id, who] = ['cold-start' as const, b.handler];
  const bare = median(s.bare);
  console.error(`  ${who}: ${b.functions.length} function(s); ${runs} rounds of bare node, ours, alternative`);
  return [
    figure(id, `${who}: bundle size, largest (baseline = ${SDK_WORDS[OTHER_SDK]})`, kb(b.bytes), 'KB', {
      baseline: other ? kb(other.bytes) : null,
      target: '<= 1024 KB',
    }),
    figure(
      id,
      `${who}: whole process, ${SDK_WORDS[STACK_SDK]}${on} (baseline = bare node -e 0)`,
      m(s.ours, (x) => x.processMs)!,
      'ms',
      {
        baseline: bare,
        target: PROCESS_RATIO_TARGET(who),
      },
    ),
    figure(
      id,
      `${who}: whole process, ${SDK_WORDS[OTHER_SDK]} instead${on} (baseline = bare node -e 0)`,
      m(s.other, (x) => x.processMs) ?? Number.NaN,
      'ms',
      {
        baseline: bare,
      },
    ),
    figure(
      id,
      `${who}: import + init, median${on} (baseline = ${SDK_WORDS[OTHER_SDK]})`,
      m(s.ours, (x) => x.importMs)!,
      'ms',
      {
        baseline: m(s.other, (x) => x.importMs),
      },
    ),
    // Split only where the bundle leaves SDK packages to the runtime: theirs, then the bundle's own import and init.
    ...(sdk.length === 0
      ? []
      : [
          figure(id, `${who}: of which the runtime SDK packages it imports`, m(s.ours, (x) => x.sdkMs)!, 'ms'),
          figure(id, `${who}: of which the bundle`, m(s.ours, (x) => x.importMs - x.sdkMs)!, 'ms'),
        ]),
  ];
}

/**
 * Printed, not a figure: a whole process importing an empty ESM module as the child imports a bundle, over bare
 * node. The floor of every handler's ratio (node's ESM loader and the first file import), whatever the bundle holds.
 */
async function printFloor(work: string, runs: number, { node, on }: Timer): Promise<void> {
  const dir = join(work, 'floor');
  mkdirSync(dir, { recursive: true });
  const empty = join(dir, 'index.mjs');
  writeFileSync(empty, '');
  const bare: number[] = [];
  const loaded: number[] = [];
  for (let r = 0; r < runs; r += 1) {
    bare.push(await bareNodeOnce(dir, {}, node));
    loaded.push((await loadOnce(empty, {}, [], node)).processMs);
  }
  const [b, e] = [median(bare), median(loaded)];
  console.error(
    `  floor${on}: importing an empty ESM module ${e.toFixed(1)} ms, bare node ${b.toFixed(1)} ms (${(e / b).toFixed(2)}x)`,
  );
}

/** Another `node` binary's figures name its version: Lambda runs Node 22, and this machine may not. */
const timerOf = (node: RunOptions['node']): Timer =>
  node ? { node: node.path, on: ` on Node ${node.version}` } : { node: process.execPath, on: '' };

/**
 * Cold start: every Lambda bundle a real `cdk synth` produces, its size, and for each handler's largest, a whole
 * `node` process that imports it (module-scope init included, as Lambda's init phase runs it), with any `@aws-sdk/*`
 * it leaves external resolved from node_modules as the runtime provides it. Baselines, in the same run, rotating:
 * a bare `node -e 0` (the process floor), and the same handler with the other SDK choice (bundled, tree-shaken
 * ESM, vs the runtime's copy), so the figures say which to choose. The import is split in two: the runtime SDK
 * packages the bundle imports statically, then the bundle itself. esbuild's metafile says what fills each bundle.
 */
export const coldStart: Scenario = {
  id: 'cold-start',
  description:
    "each handler's largest Lambda bundle from cdk synth: size and whole-process cold start vs a bare node -e 0, and vs the other SDK choice (bundled or the runtime's)",
  async run(opts: RunOptions = {}): Promise<Figure[]> {
    const runs = opts.quick ? 3 : 7;
    const work = mkdtempSync(join(tmpdir(), 'bench-cold-start-'));
    try {
      const all = await synthBundles(ROOT, join(work, 'cdk.out'));
      if (all.length === 0) throw new Error('cdk synth produced no Lambda bundle');
      const timer = timerOf(opts.node);
      await printFloor(work, runs, timer);
      const figures: Figure[] = [];
      for (const b of largestPerHandler(all)) figures.push(...(await measure(b, work, runs, timer)));
      return figures;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
