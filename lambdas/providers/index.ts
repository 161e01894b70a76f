import { football } from './football';
import { github, githubSamples } from './github';
import type { WebhookSamples } from './samples';
import { shopify, shopifySamples } from './shopify';
import { slack, slackSamples } from './slack';
import { standard, standardWebhooksSamples } from './standard';
import { stripe, stripeSamples } from './stripe';
import { trello, trelloSamples } from './trello';
import type { ProviderDefinition } from '../core/provider';

function listed(): ProviderDefinition[] {
  // A one-provider Lambda is bundled with process.env.BUNDLED_PROVIDER defined as its provider's name
  // (lib/lambda-function.ts): esbuild folds every other line to `false` and drops that provider's file (package.json
  // sideEffects: false). Spelled out per line, as esbuild folds the defined expression itself, not a variable holding
  // it. Unset everywhere else (local stack, tests, CLIs): every provider. The same way, a handler that never reads
  // a provider's `writes` or `recover` gets BUNDLED_WRITES or BUNDLED_RECOVER defined as 'no' (UNREAD_PARTS), and
  // each definition leaves that part, its file and its schemas out (`process.env.BUNDLED_WRITES === 'no' ? ...`).
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

/**
 * Every provider the stack knows (in a one-provider bundle: that one). Adding one: write its file, list it here,
 * and list its samples in SAMPLES below (a Standard Webhooks sender may use the spec's).
 */
export const providers: readonly ProviderDefinition[] = listed();

export function getProvider(name: string): ProviderDefinition | undefined {
  return providers.find((p) => p.name === name);
}

// Nothing a Lambda runs imports what follows, so esbuild leaves it and every provider's samples out of bundles.
const SAMPLES: Record<string, WebhookSamples> = {
  github: githubSamples,
  slack: slackSamples,
  stripe: stripeSamples,
  shopify: shopifySamples,
  trello: trelloSamples,
};

/**
 * A webhook provider's documented sample deliveries (local tools and tests): its own, listed above, or for a
 * Standard Webhooks sender without any, the spec's examples.
 *
 * @example
 * const delivery = webhookSamples(getProvider('stripe')!)?.documented({ now: new Date(), ids });
 */
export function webhookSamples(provider: ProviderDefinition): WebhookSamples | undefined {
  if (!provider.webhook) return undefined;
  return (
    SAMPLES[provider.name] ?? (provider.webhook.scheme === 'standard-webhooks' ? standardWebhooksSamples : undefined)
  );
}
