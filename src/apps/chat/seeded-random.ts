/**
 * A small deterministic random generator (mulberry32) returning numbers in [0, 1).
 *
 * Why: loss injection with a seed replays the same drop pattern, so a lab run or a test
 * that fails can be reproduced exactly.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
