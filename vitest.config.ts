import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests run what Lambda bundles run: the bare-field JMESPath subset in place of Powertools' engine (lib/lambda-function.ts).
  resolve: {
    alias: {
      '@aws-lambda-powertools/jmespath': fileURLToPath(new URL('./lambdas/bundle-aliases/jmespath', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: {
      AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    // Transformed by vitest, so the alias above applies to the imports inside it.
    server: { deps: { inline: ['@aws-lambda-powertools/idempotency'] } },
  },
});
