import type { ProviderDefinition } from './definition';

/** Finds a provider's definition by name; undefined for a provider this function does not serve. */
export type Registry = (name: string) => ProviderDefinition | undefined;

/** Each provider's polls as name and record type: all the records API needs of a definition. */
export type RecordPolls = Record<string, { name: string; type: string }[]>;

/** The polls of every provider given (none for a webhook-only one), for the records API's environment. */
export function recordPollsOf(providers: readonly ProviderDefinition[]): RecordPolls {
  return Object.fromEntries(providers.map((p) => [p.name, (p.polls ?? []).map(({ name, type }) => ({ name, type }))]));
}

/** Looks a provider up in a RecordPolls catalogue, in the shape lastKnown reads from a definition. */
export const pollsRegistry =
  (polls: RecordPolls): PollsRegistry =>
  (name) =>
    Object.hasOwn(polls, name) ? { polls: polls[name]! } : undefined;

/** The part of a registry that lists a provider's polls: a Registry is one, and so is a catalogue (pollsRegistry). */
export type PollsRegistry = (name: string) => { polls?: readonly { name: string; type: string }[] } | undefined;
