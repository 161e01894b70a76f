import { mkdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { recordPollsOf } from '../../lambdas/core/provider';
import { providers } from '../../lambdas/providers';
import { bundlingFor } from '../../lib/lambda-function';
import { recordsReaderDefines } from '../../lib/records-api';

export interface Rebuilt {
  bundle: string;
  bytes: number;
  metafile: Metafile;
}

/**
 * How the AWS SDK is built in: as the stack does (BUNDLING) when undefined, else bundled or left to the runtime's copy.
 */
export interface SdkChoice {
  sdk?: 'bundled' | 'runtime';
}

/** esbuild options equal to what NodejsFunction passes for BUNDLING (see aws-lambda-nodejs' buildEsbuildArgs). */
export function esbuildOptions(
  entry: string,
  outfile: string,
  opts: SdkChoice & { provider?: string; handler?: string },
): BuildOptions {
  const handler = opts.handler ?? basename(entry, '.ts');
  // The records API has its polls catalogue compiled in, as RecordsApi does for a stack of every provider.
  const defines = handler === 'records-read' ? recordsReaderDefines(recordPollsOf(providers)) : {};
  const BUNDLING = bundlingFor(opts.provider, defines, handler);
  const args = BUNDLING.esbuildArgs;
  const alias = Object.fromEntries(args['--alias'].map((a) => a.split(/=(.*)/s) as [string, string]));
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: BUNDLING.target,
    format: BUNDLING.format,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    mainFields: [...BUNDLING.mainFields],
    external: opts.sdk === undefined ? [...BUNDLING.externalModules] : opts.sdk === 'bundled' ? [] : ['@aws-sdk/*'],
    define: BUNDLING.define,
    alias,
    legalComments: args['--legal-comments'],
    metafile: true,
    logLevel: 'silent',
  };
}

/**
 * Builds a handler as the stack does, or with the AWS SDK bundled or left to the runtime (the alternative), into `dir`,
 * with esbuild's metafile to tell what fills the bundle.
 *
 * @example
 * const { bytes, metafile } = await rebuild('lambdas/handlers/event-processor.ts', tmp, { provider: 'github' });
 */
export async function rebuild(entry: string, dir: string, opts: SdkChoice & { provider?: string }): Promise<Rebuilt> {
  mkdirSync(dir, { recursive: true });
  const bundle = join(dir, 'index.mjs');
  const result = await build(esbuildOptions(entry, bundle, opts));
  return { bundle, bytes: statSync(bundle).size, metafile: result.metafile! };
}

/** The output's bytes by npm package (or project folder), largest first. */
export function bytesByPackage(metafile: Metafile): [string, number][] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = m ? m[1]! : path.split('/').slice(0, 2).join('/');
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}
