/**
 * Fuzzy text fingerprints for campaign clustering: MinHash signatures over a set of tokens
 * (word 3-shingles, Rspamd's window, plus link templates), and LSH banding so near-duplicates
 * meet in a hash bucket instead of being compared pair by pair (Broder 1997; Leskovec,
 * Rajaraman, Ullman, "Mining of Massive Datasets" ch. 3).
 *
 * With HASHES = 32 split into BANDS = 8 bands of ROWS = 4, two sets of Jaccard similarity s share
 * a band with probability 1 − (1 − s⁴)⁸: 0.40 → 0.19, 0.50 → 0.41, 0.60 → 0.67, 0.80 → 0.98.
 * A candidate is kept only if its estimated similarity reaches MIN_SIMILARITY.
 */
export const HASHES = 32;
export const ROWS = 4;
export const BANDS = HASHES / ROWS;
export const MIN_SIMILARITY = 0.5;
/** At most this many tokens per message are hashed: time per message stays bounded. */
export const MAX_TOKENS = 4000;

/** FNV-1a, 32 bits, over a string's UTF-16 code units: fast and good enough to seed the mixers. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** murmur3's finaliser: a 32-bit permutation, keyed per hash function by xor with a seed. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

const SEEDS = Uint32Array.from({ length: HASHES }, (_, i) => mix(0x9e3779b9 * (i + 1)));

/** Word 3-shingles of normalised text (fewer words: the words themselves). */
export function shingles(words: readonly string[], out: Set<string> = new Set()): Set<string> {
  if (words.length < 3) for (const w of words) out.add(w);
  for (let i = 0; i + 2 < words.length && out.size < MAX_TOKENS; i++)
    out.add(`${words[i]} ${words[i + 1]} ${words[i + 2]}`);
  return out;
}

/** The MinHash signature of a token set (all 0xffffffff for an empty set). */
export function signature(tokens: Iterable<string>): Uint32Array {
  const sig = new Uint32Array(HASHES).fill(0xffffffff);
  let n = 0;
  for (const t of tokens) {
    if (n++ >= MAX_TOKENS) break;
    const base = fnv1a(t);
    for (let i = 0; i < HASHES; i++) {
      const v = mix(base ^ SEEDS[i]!);
      if (v < sig[i]!) sig[i] = v;
    }
  }
  return sig;
}

/** One 32-bit key per band (the band index is folded in, so bands never collide with each other). */
export function bandKeys(sig: Uint32Array): number[] {
  const keys: number[] = [];
  for (let b = 0; b < BANDS; b++) {
    let h = mix(0x27d4eb2d ^ b);
    for (let r = 0; r < ROWS; r++) h = mix(h ^ sig[b * ROWS + r]!);
    keys.push(h);
  }
  return keys;
}

/** Estimated Jaccard similarity: the share of equal signature positions. */
export function similarity(a: Uint32Array, b: Uint32Array): number {
  let eq = 0;
  for (let i = 0; i < HASHES; i++) if (a[i] === b[i]) eq++;
  return eq / HASHES;
}

export function isEmpty(sig: Uint32Array): boolean {
  return sig.every((v) => v === 0xffffffff);
}
