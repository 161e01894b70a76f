import { football } from './football';
import { github } from './github';
import { shopify } from './shopify';
import { slack } from './slack';
import { standard } from './standard';
import { stripe } from './stripe';
import { trello } from './trello';
import type { ProviderDefinition } from '../core/provider';

export type { ProviderDefinition } from '../core/provider';

function listed(): ProviderDefinition[] {
  // A one-provider Lambda is bundled with process.env.BUNDLED_PROVIDER defined as its provider's name
  // (lib/lambda-function.ts): esbuild folds every other line to `false` and drops that provider's file (package.json
  // sideEffects: false). Spelled out per line, as esbuild folds the defined expression itself, not a variable holding
  // it. Unset everywhere else (local stack, tests, CLIs): every provider.
  return [
    (process.env.BUNDLED_PROVIDER ?? 'github') === 'github' && github,
    (process.env.BUNDLED_PROVIDER ?? 'slack') === 'slack' && slack,
    (process.env.BUNDLED_PROVIDER ?? 'stripe') === 'stripe' && stripe,
    (process.env.BUNDLED_PROVIDER ?? 'shopify') === 'shopify' && shopify,
    (process.env.BUNDLED_PROVIDER ?? 'trello') === 'trello' && trello,
    (process.env.BUNDLED_PROVIDER ?? 'standard') === 'standard' && standard,
    (process.env.BUNDLED_PROVIDER ?? 'football') === 'football' && football,
  ].filter((p): p is ProviderDefinition => p !== false);
}

/** Every provider the stack knows (in a one-provider bundle: that one). Adding one: write its file, list it here. */
export const providers: readonly ProviderDefinition[] = listed();

export function getProvider(name: string): ProviderDefinition | undefined {
  return providers.find((p) => p.name === name);
}
