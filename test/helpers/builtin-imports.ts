// On Node 22 and 24 an ES module import of a builtin reads every export, running lazy getters (node:http's load
// undici, about 19 ms alone): bundles take these with process.getBuiltinModule, as lambdas/adapters/aws-json.ts and
// BUNDLING's node:crypto alias do (docs/benchmarks.md#cold-start).
const EAGER_GETTER_IMPORT = /(?:^|[;\s}])import\s*(?:[^;"'()]*?from\s*)?"((?:node:)?(?:http|util|fs|crypto))"/g;

/**
 * The builtins with costly getters that a bundle imports as an ES module (static imports, any form esbuild writes).
 *
 * @example
 * eagerGetterImports('import{request as r}from"node:http";') // ['node:http']
 */
export const eagerGetterImports = (code: string): string[] => [...code.matchAll(EAGER_GETTER_IMPORT)].map((m) => m[1]!);
