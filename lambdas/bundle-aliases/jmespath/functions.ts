/**
 * `PowertoolsFunctions` of `@aws-lambda-powertools/jmespath/functions` in Lambda bundles (see ./index.ts): the
 * idempotency config builds one as its default custom functions; bare field names never call a function.
 *
 * @example
 * new IdempotencyConfig({ eventKeyJmesPath: 'idempotencyKey' }); // builds a PowertoolsFunctions, unused
 */
export class PowertoolsFunctions {}
