// What Lambda bundles get for `node:crypto` (EAGER_BUILTINS in lib/lambda-function.ts says why). CommonJS, so that
// every kind of import of every name (named, namespace, default, require) reads the real module.
module.exports = process.getBuiltinModule('node:crypto');
