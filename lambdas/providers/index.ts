import { github } from './github';
import type { ProviderDefinition } from './types';

export type { ProviderDefinition } from './types';

/** Every provider the stack knows. Adding one: write its file, list it here. */
export const providers: readonly ProviderDefinition[] = [github];

export function getProvider(name: string): ProviderDefinition | undefined {
  return providers.find((p) => p.name === name);
}

export type Registry = (name: string) => ProviderDefinition | undefined;
