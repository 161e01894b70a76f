import { describe, expect, it } from 'vitest';
import { secretValues } from '../../lambdas/core/secret-values';

describe('secret values', () => {
  it('reads one secret, a JSON array, or one per line', () => {
    expect(secretValues('abc')).toEqual(['abc']);
    expect(secretValues('["new","old"]')).toEqual(['new', 'old']);
    expect(secretValues('new\nold\n')).toEqual(['new', 'old']);
    expect(secretValues('')).toEqual([]);
    expect(secretValues(undefined)).toEqual([]);
  });

  it('treats text that only looks like JSON as a plain secret', () => {
    expect(secretValues('[not json')).toEqual(['[not json']);
  });
});
