import { football } from './football';
import { github } from './github';
import { shopify } from './shopify';
import { slack } from './slack';
import { standard } from './standard';
import { stripe } from './stripe';
import { trello } from './trello';
import type { ProviderDefinition } from './types';

export type { ProviderDefinition } from './types';

/** Every provider the stack knows. Adding one: write its file, list it here. */
export const providers: readonly ProviderDefinition[] = [github, slack, stripe, shopify, trello, standard, football];

export function getProvider(name: string): ProviderDefinition | undefined {
  return providers.find((p) => p.name === name);
}

export type Registry = (name: string) => ProviderDefinition | undefined;
