import type { ProviderDefinition } from './definition';

/** Finds a provider's definition by name; undefined for a provider this function does not serve. */
export type Registry = (name: string) => ProviderDefinition | undefined;
