/**
 * SUNBURST's encodings (reference: shared/reference/sunburst.md §1.3–1.7), decode direction only.
 *  - a custom base32: alphabet `ph2eifo3n5utg1j8d94qrvbmk0sal76c`, bits packed LSB first;
 *  - a substitution cipher over `rq3gsalt6u1iyfzop572d49bnx8cvmkewhj` (shift by 4), where `0`
 *    escapes one of the special characters `0_-.`;
 *  - a base36 chunk index offset by the label's first character.
 */
export const BASE32 = 'ph2eifo3n5utg1j8d94qrvbmk0sal76c';
export const SUBST = 'rq3gsalt6u1iyfzop572d49bnx8cvmkewhj';
export const SPECIAL = '0_-.';

const B32_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE32.length; i++) B32_INDEX[BASE32.charCodeAt(i)] = i;
const SUB_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < SUBST.length; i++) SUB_INDEX[SUBST.charCodeAt(i)] = i;

/** Position of the first character outside the base32 alphabet, or -1. */
export function firstNonBase32(s: string, end = s.length): number {
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || B32_INDEX[c]! < 0) return i;
  }
  return -1;
}

/** Base32 → bytes (5 bits in, 8 bits out, LSB first; a final partial byte is dropped). */
export function base32Decode(s: string): Uint8Array {
  const out = new Uint8Array(Math.floor((s.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const v = B32_INDEX[s.charCodeAt(i)]!;
    if (v < 0) throw new Error(`character '${s[i]}' at ${i} is not in the SUNBURST base32 alphabet`);
    acc |= v << bits;
    bits += 5;
    if (bits >= 8) {
      out[n++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  return out;
}

/**
 * Substitution cipher → text, or null when the string cannot be a substitution chunk (a `0` at
 * the end or followed by a character outside the alphabet: then it is base32).
 */
export function substitutionDecode(s: string): string | null {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x30 /* 0 */) {
      const next = s.charCodeAt(i + 1);
      const k = next < 128 ? SUB_INDEX[next]! : -1;
      if (k < 0) return null;
      out += SPECIAL[k % 4];
      i++;
      continue;
    }
    const k = c < 128 ? SUB_INDEX[c]! : -1;
    if (k < 0) return null;
    out += SUBST[(k - 4 + 35) % 35];
  }
  return out;
}

/** `0-9a-z` → 0..35, or -1. */
export function base36(ch: string): number {
  const c = ch.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 10;
  return -1;
}

export function hex(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s.toUpperCase();
}
