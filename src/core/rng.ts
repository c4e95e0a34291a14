/** A seeded random generator returning floats in [0, 1). */
export type Rng = () => number;

/**
 * sfc32, a small fast generator with a 128-bit state: the same seed gives the same sequence on every platform,
 * which is what byte-identical simulation results rest on.
 */
export function createRng(seed: number): Rng {
  // All four state words from the seed, so a few warm-up rounds suffice (rngs are made per attempt).
  const s = seed >>> 0;
  let a = (s ^ 0x9e3779b9) >>> 0;
  let b = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
  let c = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
  let d = 1;
  // An anonymous function passed straight on: a named local would be re-wrapped on every call by the
  // keep-names helper of the TypeScript loader, and createRng runs per simulated attempt.
  return warmUp(function (): number {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  });
}

function warmUp(rng: Rng): Rng {
  for (let i = 0; i < 4; i++) rng();
  return rng;
}

/**
 * Mixes a seed with labels into a new 32-bit seed (FNV-1a, then a murmur3 finaliser), so every request and
 * attempt draws from its own stream: results do not depend on the order requests are processed in.
 */
export function deriveSeed(seed: number, ...labels: ReadonlyArray<string | number>): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (const label of labels) {
    const text = typeof label === 'number' ? String(label) : label;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    hash ^= 0xff;
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Uniform in [min, max]. */
export function uniform(rng: Rng, min: number, max: number): number {
  return min + (max - min) * rng();
}

/** Standard normal by Box–Muller. */
export function normal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Poisson-distributed count with mean `lambda` (Knuth for small means, normal approximation above 60). */
export function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 60) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rng)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng();
  while (p > limit) {
    k++;
    p *= rng();
  }
  return k;
}

/** Picks an index by weight. */
export function pickWeighted(rng: Rng, cumulative: readonly number[]): number {
  const total = cumulative[cumulative.length - 1] ?? 0;
  const x = rng() * total;
  for (let i = 0; i < cumulative.length; i++) if (x < cumulative[i]!) return i;
  return cumulative.length - 1;
}
