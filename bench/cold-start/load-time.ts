import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface LoadSample {
  /** Import of the bundle, module-scope init included, timed inside the child (node's own startup excluded). */
  importMs: number;
  /** Of which: importing the runtime's SDK packages the bundle imports statically. */
  sdkMs: number;
  /** Spawn to exit, timed by the parent: node's startup plus the import. */
  processMs: number;
}

// Lambda's init, split in two: the SDK packages the bundle imports statically first (ESM loads them before its body),
// then the bundle.
const CHILD = `
const [bundle, ...sdk] = process.argv.slice(1);
const t0 = performance.now();
for (const p of sdk) await import(p);
const t1 = performance.now();
await import(bundle);
const t2 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t2 - t0, sdkMs: t1 - t0 }));`;

/**
 * Copies a bundle into `dir` as Lambda lays out /var/task (index.mjs alone), with `node_modules`
 * linked to the project's so `@aws-sdk/*` resolves as the runtime's preinstalled SDK does.
 */
export function stageBundle(bundle: string, dir: string, nodeModules: string): string {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, 'index.mjs');
  copyFileSync(bundle, target);
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(nodeModules, join(dir, 'node_modules'), 'dir');
  return target;
}

/** The environment of a child: Lambda-like, only PATH, region, credential placeholders and the function's variables. */
function lambdaEnv(environment: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: 'bench-cold-start',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...environment,
  };
}

/** Spawns `node args` in `cwd` and resolves with its stdout and the spawn-to-exit time the parent saw. */
function timedNode(
  node: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ out: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(node, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0)
        return reject(new Error(`node ${args[0]} in ${cwd} exited with ${code}: ${err.trim().slice(0, 500)}`));
      resolve({ out, ms });
    });
  });
}

/**
 * One cold load of a bundle in a fresh `node` (this one, or the binary `node` names) with a Lambda-like environment;
 * `sdk` lists the bundle's static `@aws-sdk/*` imports, timed apart.
 *
 * @example
 * const { importMs, processMs } = await loadOnce('/tmp/x/index.mjs', { AWS_LAMBDA_FUNCTION_NAME: 'f' });
 */
export async function loadOnce(
  bundle: string,
  environment: Record<string, string>,
  sdk: readonly string[] = [],
  node: string = process.execPath,
): Promise<LoadSample> {
  // Run in the bundle's folder: `-e` code resolves bare specifiers from there, as the bundle does.
  const args = ['--input-type=module', '-e', CHILD, pathToFileURL(bundle).href, ...sdk];
  const { out, ms } = await timedNode(node, args, dirname(bundle), lambdaEnv(environment));
  return { ...(JSON.parse(out) as { importMs: number; sdkMs: number }), processMs: ms };
}

/**
 * A bare `node -e 0` in the same environment, spawn to exit: the floor every cold start pays before our code runs.
 *
 * @example
 * const floorMs = await bareNodeOnce(tmp, {});
 */
export async function bareNodeOnce(
  cwd: string,
  environment: Record<string, string>,
  node: string = process.execPath,
): Promise<number> {
  return (await timedNode(node, ['-e', '0'], cwd, lambdaEnv(environment))).ms;
}
