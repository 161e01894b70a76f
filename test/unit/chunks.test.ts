import { describe, expect, it } from 'vitest';
import { chunked } from '../../lambdas/core/chunks';

describe('chunked', () => {
  const size = (n: number) => n;
  it('cuts at the entry limit and at the byte limit, in order', () => {
    expect(chunked([1, 1, 1, 1, 1], { entries: 2, bytes: 100 }, size)).toEqual([[1, 1], [1, 1], [1]]);
    expect(chunked([40, 40, 40, 10], { entries: 10, bytes: 100 }, size)).toEqual([
      [40, 40],
      [40, 10],
    ]);
  });

  it('puts an item larger than the byte limit in a chunk of its own, never an empty chunk before it', () => {
    expect(chunked([500, 1], { entries: 10, bytes: 100 }, size)).toEqual([[500], [1]]);
    expect(chunked([], { entries: 10, bytes: 100 }, size)).toEqual([]);
  });
});
