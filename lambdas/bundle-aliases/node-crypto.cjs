// What Lambda bundles get for `node:crypto` and `crypto` (an esbuild alias, lib/lambda-function.ts): the builtin,
// taken with process.getBuiltinModule. An ES module import of node:crypto builds a namespace of its exports and reads
// every one, 0.8 ms of the writer's cold start on Node 22 (docs/benchmarks.md#cold-start). CommonJS, so that every
// kind of import of every name (named, namespace, default, require) reads the real module.
module.exports = process.getBuiltinModule('node:crypto');
