/** How change events are named on the bus: `source` per provider, `detail-type` per record type and kind of change. */

/** `integration.<provider>`: the `source` of a provider's change events. */
export const changeSource = (provider: string): string => `integration.${provider}`;

/** `<type>.created` or `<type>.changed`: the `detail-type` of a change event. */
export const changeDetailType = (type: string, change: 'created' | 'changed'): string => `${type}.${change}`;

/** Every source starts with this: the archive and consumers' rules match `{ "prefix": "integration." }`. */
export const CHANGE_SOURCE_PREFIX = 'integration.';
