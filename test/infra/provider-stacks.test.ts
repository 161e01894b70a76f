import { describe, expect, it } from 'vitest';
import { type PlannedProvider, planProviderStacks } from '../../lib/provider-stacks';

const hook = (name: string, resources = 32): PlannedProvider => ({ name, resources, secrets: 1, secretsInBase: true });
const budget = { base: 150, group: 100 };

describe('planProviderStacks', () => {
  it('keeps every provider in the base stack while they fit, so a stage that fits never splits', () => {
    expect(planProviderStacks([hook('a'), hook('b')], 40, budget)).toEqual({ base: ['a', 'b'], groups: [] });
  });

  it('puts providers past the base budget, in the order listed, into groups within the group budget', () => {
    const list = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => hook(n));
    expect(planProviderStacks(list, 40, budget)).toEqual({ base: ['a', 'b', 'c'], groups: [['d', 'e', 'f'], ['g']] });
  });

  it('never moves a placed provider when one is appended', () => {
    const list = ['a', 'b', 'c', 'd', 'e'].map((n) => hook(n));
    const before = planProviderStacks(list, 40, budget);
    const after = planProviderStacks([...list, hook('big', 90), hook('z')], 40, budget);
    const groupOf = (plan: typeof before, name: string) => plan.groups.findIndex((g) => g.includes(name));
    expect(after.base).toEqual(before.base);
    for (const name of before.groups.flat()) expect(groupOf(after, name), name).toBe(groupOf(before, name));
  });

  it('sends every provider after the first misfit to groups, even a small one that would fit the base', () => {
    const plan = planProviderStacks([hook('a'), hook('huge', 500), hook('tiny', 1)], 40, budget);
    expect(plan).toEqual({ base: ['a'], groups: [['huge'], ['tiny']] });
  });

  it('builds a provider whose secrets are not in the base stack in a group, counting its secrets there', () => {
    const nested = { ...hook('late', 50), secrets: 20, secretsInBase: false };
    expect(planProviderStacks([nested, hook('x', 40)], 0, budget)).toEqual({ base: [], groups: [['late'], ['x']] });
  });
});
