import { seededRandom } from '../shared/random.ts';

/**
 * Seeded random streams for the simulation. Each concern draws from its own stream (population, behaviour, codes;
 * the engine's jitter gets `seededRandom(seed)` itself), so adding a behaviour does not shift the jitter of every
 * send after it, and the same seed always gives the same world.
 */
export interface Rng {
  /** [0, 1) */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** An index chosen with the given (non-negative) weights. */
  weighted(weights: readonly number[]): number;
}

export function rngStream(seed: number, label: string): Rng {
  const next = seededRandom((seed ^ fnv1a(label)) >>> 0);
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted: (weights) => {
      const total = weights.reduce((sum, w) => sum + w, 0);
      let at = next() * total;
      for (let i = 0; i < weights.length; i++) {
        at -= weights[i]!;
        if (at < 0) return i;
      }
      return weights.length - 1;
    },
  };
  return rng;
}

/** 32-bit FNV-1a of a label: a stable, well-spread seed offset per stream. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
