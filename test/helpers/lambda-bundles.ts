import { resolve } from 'node:path';
import { EAGER_BUILTINS } from '../../lib/lambda-function';

// EAGER_BUILTINS go through BUNDLING's aliases; node:fs is not aliased, and no bundle may import it either.
const EAGER_GETTER_IMPORT = new RegExp(
  String.raw`(?:^|[;\s}])import\s*(?:[^;"'()]*?from\s*)?"((?:node:)?(?:${[...EAGER_BUILTINS, 'fs'].join('|')}))"`,
  'g',
);

/**
 * The builtins with costly getters on Node 22 that a bundle imports as an ES module (static imports, any form esbuild
 * writes): lib/lambda-function.ts EAGER_BUILTINS.
 *
 * @example
 * eagerGetterImports('import{request as r}from"node:http";') // ['node:http']
 */
export const eagerGetterImports = (code: string): string[] => [...code.matchAll(EAGER_GETTER_IMPORT)].map((m) => m[1]!);

/** A node of Lambda's major, when this one is not: .ci/run and the deploy workflow set it from .ci/lambda-node. */
export const LAMBDA_NODE = process.env.LAMBDA_NODE ? resolve(process.env.LAMBDA_NODE) : undefined;

/** The nodes a bundle is loaded on: this one, and Lambda's major where it was fetched (builtins load differently). */
export const BUNDLE_NODES: readonly string[] = [process.execPath, ...(LAMBDA_NODE ? [LAMBDA_NODE] : [])];
