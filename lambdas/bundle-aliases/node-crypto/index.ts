/**
 * What Lambda bundles get for `node:crypto` and `crypto` (an esbuild alias, lib/lambda-function.ts): the builtin,
 * taken with process.getBuiltinModule. An ES module import of node:crypto runs its lazy getters (WebCrypto's), about
 * 1.2 ms of every cold start on Node 22 (docs/benchmarks.md#cold-start). A name some bundled module imports and this
 * file does not export fails the build ("No matching export"): add it here.
 */
const crypto = process.getBuiltinModule('node:crypto');

export const { createHash, createHmac, getRandomValues, randomBytes, randomInt, randomUUID, timingSafeEqual } = crypto;
export default crypto;
