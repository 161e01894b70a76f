/** One record of a simulator's data set, shaped like a typical provider entity. */
export interface SimRecord {
  id: string;
  seq: number;
  name: string;
  amount: number;
  status: 'active' | 'archived';
  updated_at: string;
}

// mulberry32: a tiny seeded PRNG, so every run serves the same data (Math.random cannot be seeded).
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'alpha',
  'bravo',
  'delta',
  'echo',
  'falcon',
  'harbor',
  'juniper',
  'kilo',
  'lima',
  'meadow',
  'nova',
  'orbit',
];

/**
 * A deterministic data set: the same `seed` and `count` always give the same records, ordered by
 * `seq`, with `updated_at` increasing from `start`.
 *
 * @example
 * const records = seededRecords(10_250, 42);
 */
export function seededRecords(count: number, seed = 1, start = Date.UTC(2024, 0, 1)): SimRecord[] {
  const rand = prng(seed);
  const out: SimRecord[] = [];
  let t = start;
  for (let i = 1; i <= count; i += 1) {
    t += 1000 + Math.floor(rand() * 60_000);
    out.push({
      id: `rec_${String(i).padStart(6, '0')}`,
      seq: i,
      name: `${WORDS[Math.floor(rand() * WORDS.length)]} ${WORDS[Math.floor(rand() * WORDS.length)]}`,
      amount: Math.floor(rand() * 100_000) / 100,
      status: rand() < 0.9 ? 'active' : 'archived',
      updated_at: new Date(t).toISOString(),
    });
  }
  return out;
}

/** The same record as a provider bug would serve it: wrong types where the schema wants others. */
export function corrupt(record: SimRecord): Record<string, unknown> {
  return { ...record, amount: String(record.amount), updated_at: 'yesterday' };
}
