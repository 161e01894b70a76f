/**
 * The house rules of the layers (npm run deps, part of npm test): core is the centre and imports no outer layer,
 * only adapters talk to AWS, lib reads the runtime's definitions and data but never its code. Every rule is
 * checked per import, type-only imports included. Biome's noProcessEnv keeps process.env out of core (biome.json).
 * Not cruised: local/, bin/, bench/ and test/ are tools that run on a machine, not in a Lambda; they may import
 * any layer and the SDK. lib/ may import aws-cdk-lib, constructs and cdk-nag freely.
 * @type {import('dependency-cruiser').IConfiguration}
 */

// What lib/ (the CDK app) may import from lambdas/: definitions and data, never code that runs in a Lambda.
const LIB_MAY_IMPORT = [
  '^lambdas/core/provider/', // the provider contract (ProviderDefinition, PollSpec, ...)
  '^lambdas/providers/', // the provider definitions and their request operations (providers/operations.ts)
  '^lambdas/core/tables[.]ts$', // table names and keys
  '^lambdas/core/env-contract[.]ts$', // environment variable names the functions read
  '^lambdas/core/metrics[.]ts$', // metric names
  '^lambdas/core/alarm-rules[.]ts$', // alarm rules as data
  '^lambdas/core/blob-layout[.]ts$', // bucket prefixes and retention
  '^lambdas/core/client/defaults[.]ts$', // client timeouts, for Lambda timeouts
  '^lambdas/core/sync/defaults[.]ts$', // sync defaults, for poller timeouts
  '^lambdas/core/resource-tags[.]ts$', // the tags the ops CLI finds resources by
  '^lambdas/core/changes/(names|schema)[.]ts$', // change event names and schema (the bus archive, the schema registry)
  '^lambdas/core/routes/', // the route contract: types, synth-time checks, rule patterns
  '^lambdas/routes[.]ts$', // the routes as data
];

module.exports = {
  forbidden: [
    {
      name: 'core-imports-no-outer-layer',
      comment: 'core is the centre: providers implement its contract, adapters its ports, handlers wire them.',
      severity: 'error',
      from: { path: '^lambdas/core/' },
      to: { path: '^lambdas/(providers|adapters|handlers)/' },
    },
    {
      name: 'only-adapters-import-aws-sdk',
      comment:
        'In lambdas/, only adapters/ import @aws-sdk/*; core, handlers and providers depend on their interfaces.',
      severity: 'error',
      from: { path: '^lambdas/', pathNot: '^lambdas/adapters/' },
      // Resolved or not, wherever node_modules lies (a temporary copy links it).
      to: { path: '(^|/)node_modules/@aws-sdk/|^@aws-sdk/' },
    },
    {
      name: 'handlers-import-no-other-handler',
      comment: 'Each lambdas/handlers/*.ts is one Lambda entry; what they share lives in lambdas/handlers/shared/.',
      severity: 'error',
      from: { path: '^lambdas/handlers/' },
      to: { path: '^lambdas/handlers/[^/]+[.]ts$' },
    },
    {
      name: 'lib-imports-no-runtime-code',
      comment: 'The CDK app never imports handlers or adapters: it deploys them by path.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^lambdas/(handlers|adapters)/' },
    },
    {
      name: 'lib-imports-definitions-and-data-only',
      comment: `lib/ may import from lambdas/ only: ${LIB_MAY_IMPORT.join(' ')}`,
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^lambdas/', pathNot: [...LIB_MAY_IMPORT, '^lambdas/(handlers|adapters)/'] },
    },
    {
      name: 'no-cycles-in-lambdas',
      comment: 'Modules of lambdas/ form no import cycle (type-only imports count).',
      severity: 'error',
      from: { path: '^lambdas/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing would hide a dependency from every rule above.',
      severity: 'error',
      from: { path: '^(lambdas|lib)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    cache: false,
  },
};
