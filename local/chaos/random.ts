import { createHash } from 'node:crypto';
import { prng } from '../simulators/dataset';

/** A seeded random source: the chaos run draws every choice from one, so a seed names a whole scenario. */
export interface Rng {
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** `n` lower-case hex digits. */
  hex(n: number): string;
  /** A version-4-shaped UUID. */
  uuid(): string;
  /** An independent stream for one part of the scenario: adding events never changes the writes' plan. */
  fork(label: string): Rng;
}

/**
 * The chaos run's random source over mulberry32 (the simulators' PRNG).
 *
 * @example
 * const rng = seeded(42);
 * const webhooks = rng.fork('webhooks');
 * webhooks.int(1, 6); // the same number for seed 42, every run
 */
export function seeded(seed: number): Rng {
  const next = prng(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    hex,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(0, 3)]}${hex(3)}-${hex(12)}`,
    fork: (label) => seeded(createHash('sha256').update(`${seed}:${label}`).digest().readUInt32BE(0)),
  };
}
