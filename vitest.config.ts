import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

// Where a test lives says what it tests:
//   test/unit         core (client/, signatures/, sync/, writes/), handlers/ and providers/: pure, no I/O
//   test/adapters     the AWS adapters against moto and dynalite (small contracts only for what moto lacks)
//   test/infra        the CDK stack (lib/), synthesized and asserted
//   test/integration  handlers through the local stack and the provider simulators
//   test/tooling      bench, chaos, the local stack's own parts, the CI workflow, this file
//   test/e2e          the local dashboard in a browser
// A file says it is slow in its name (cdk synth with bundling, the chaos run, npm start, the browser).
const SLOW = ['test/**/*.slow.test.ts', 'test/**/*.browser.test.ts'];
const UNIT = ['test/unit/**/*.test.ts'];
// Tests wait on local servers, child processes and timers much of the time: a worker per core, not vitest's cores - 1.
const CORES = availableParallelism();

export default defineConfig({
  // Tests run what Lambda bundles run: the bare-field JMESPath subset in place of Powertools' engine (lib/lambda-function.ts).
  resolve: {
    alias: {
      '@aws-lambda-powertools/jmespath': fileURLToPath(new URL('./lambdas/bundle-aliases/jmespath', import.meta.url)),
    },
  },
  test: {
    environment: 'node',
    env: {
      AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    // Transformed by vitest, so the alias above applies to the imports inside it.
    server: { deps: { inline: ['@aws-lambda-powertools/idempotency'] } },
    maxWorkers: CORES,
    // Every project extends the settings above; every test file is in exactly one project.
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: UNIT, exclude: [...configDefaults.exclude, ...SLOW], testTimeout: 5_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT, ...SLOW],
          testTimeout: 30_000,
          // Hooks start a local stack or synthesize every stage with cdk-nag.
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'slow',
          include: SLOW,
          testTimeout: 240_000,
          hookTimeout: 120_000,
          // After the others, one more worker than cores: cdk synth's child process and the chaos run's waits overlap.
          sequence: { groupOrder: 1 },
          maxWorkers: CORES + 1,
        },
      },
    ],
  },
});
