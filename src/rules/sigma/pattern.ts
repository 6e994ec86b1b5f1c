import { compile as compileRegex } from '../safe-regex.ts';
/**
 * Sigma string values: `*` and `?` wildcards, `\` escaping them (and itself), matched against a
 * field's text. Matching is case-insensitive unless the rule says `|cased`, so each value is
 * compiled once into the cheapest test that gives the same answer: equality, prefix, suffix,
 * substring, or (only when a wildcard sits inside the value) an anchored regular expression.
 */

/** A parsed Sigma string: literal runs and wildcards, in order. */
export type Piece = string | { readonly wildcard: '*' | '?' };

/** Splits a rule's string into literals and wildcards, following pySigma's escape rules. */
export function parseSigmaString(s: string): Piece[] {
  const out: Piece[] = [];
  let lit = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1];
      // A backslash escapes only a wildcard or another backslash; elsewhere it is literal (Windows paths).
      if (n === '*' || n === '?' || n === '\\') {
        lit += n;
        i++;
        continue;
      }
      lit += c;
    } else if (c === '*' || c === '?') {
      if (lit) out.push(lit);
      lit = '';
      out.push({ wildcard: c });
    } else {
      lit += c;
    }
  }
  if (lit) out.push(lit);
  return out;
}

/** Where the value must sit in the field's text. */
export type Placement = 'exact' | 'contains' | 'startswith' | 'endswith';

/** A compiled test of one value; `text` is the field already lower-cased when `cased` is false. */
export interface StringTest {
  readonly cased: boolean;
  /** What the test is, so many of them can be merged into one (see `anyOf`). */
  readonly kind: 'eq' | 'prefix' | 'suffix' | 'contains' | 'any' | 'glob';
  /** The literal for eq / prefix / suffix / contains. */
  readonly lit?: string;
  test(text: string): boolean;
}

/**
 * One test for a list of values (a field's values are OR-ed): equalities become one Set lookup,
 * prefixes, suffixes and substrings plain loops, globs last. A rule with 80 `endswith` values
 * then costs one field read and 80 `endsWith` calls, not 80 closures.
 */
export function anyOf(tests: readonly StringTest[]): (text: string) => boolean {
  if (tests.some((t) => t.kind === 'any')) return () => true;
  const eq = new Set(tests.filter((t) => t.kind === 'eq').map((t) => t.lit!));
  const pre = tests.filter((t) => t.kind === 'prefix').map((t) => t.lit!);
  const suf = tests.filter((t) => t.kind === 'suffix').map((t) => t.lit!);
  const con = tests.filter((t) => t.kind === 'contains').map((t) => t.lit!);
  const glob = tests.filter((t) => t.kind === 'glob');
  if (tests.length === 1) return tests[0]!.test;
  return (s) => {
    if (eq.size && eq.has(s)) return true;
    for (let i = 0; i < suf.length; i++) if (s.endsWith(suf[i]!)) return true;
    for (let i = 0; i < pre.length; i++) if (s.startsWith(pre[i]!)) return true;
    for (let i = 0; i < con.length; i++) if (s.includes(con[i]!)) return true;
    for (let i = 0; i < glob.length; i++) if (glob[i]!.test(s)) return true;
    return false;
  };
}

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function compileString(pieces: readonly Piece[], placement: Placement, cased: boolean): StringTest {
  const norm = (s: string) => (cased ? s : s.toLowerCase());
  let ps = pieces.map((p) => (typeof p === 'string' ? norm(p) : p));
  if (placement === 'contains' || placement === 'endswith') ps = [{ wildcard: '*' }, ...ps];
  if (placement === 'contains' || placement === 'startswith') ps = [...ps, { wildcard: '*' }];
  // Collapse runs of `*` and drop empty literals so `*foo*` becomes a substring test.
  const flat: Piece[] = [];
  for (const p of ps) {
    if (typeof p === 'string' && !p) continue;
    const prev = flat[flat.length - 1];
    if (
      typeof p !== 'string' &&
      p.wildcard === '*' &&
      prev !== undefined &&
      typeof prev !== 'string' &&
      prev.wildcard === '*'
    )
      continue;
    flat.push(p);
  }
  const star = (p: Piece | undefined) => p !== undefined && typeof p !== 'string' && p.wildcard === '*';
  if (flat.length === 1 && star(flat[0])) return { cased, kind: 'any', test: () => true };
  const lits = flat.filter((p): p is string => typeof p === 'string');
  const lead = star(flat[0]);
  const trail = star(flat[flat.length - 1]);
  if (lits.length <= 1 && flat.length - lits.length === Number(lead) + Number(trail)) {
    const lit = lits[0] ?? '';
    if (lead && trail) return { cased, kind: 'contains', lit, test: (t) => t.includes(lit) };
    if (lead) return { cased, kind: 'suffix', lit, test: (t) => t.endsWith(lit) };
    if (trail) return { cased, kind: 'prefix', lit, test: (t) => t.startsWith(lit) };
    return { cased, kind: 'eq', lit, test: (t) => t === lit };
  }
  if (!flat.some((p) => typeof p !== 'string' && p.wildcard === '?')) return starGlob(flat, cased);
  // `?` inside a value is rare; a regex does it, on the linear-time engine: `*a*a*a?` as a
  // backtracking regex is polynomial in the field's length, and placeholders make such values.
  const src = flat
    .map((p) => (typeof p === 'string' ? reEscape(p) : p.wildcard === '*' ? '[\\s\\S]*' : '[\\s\\S]'))
    .join('');
  const re = compileRegex(`^${src}$`, '');
  return { cased, kind: 'glob', test: (t) => re.test(t) };
}

/**
 * `*`-only globs in linear time: the first literal is a prefix (unless the glob starts with `*`),
 * the last a suffix, the middle ones are found left to right. A backtracking regex would be
 * quadratic or worse on the 32 KB command lines attackers write.
 */
function starGlob(flat: readonly Piece[], cased: boolean): StringTest {
  const lead = typeof flat[0] !== 'string';
  const trail = typeof flat[flat.length - 1] !== 'string';
  const lits = flat.filter((p): p is string => typeof p === 'string');
  const minLen = lits.reduce((n, l) => n + l.length, 0);
  return {
    cased,
    kind: 'glob',
    test(t) {
      if (t.length < minLen) return false;
      let from = 0;
      let end = t.length;
      let first = 0;
      let last = lits.length;
      if (!lead) {
        if (!t.startsWith(lits[0]!)) return false;
        from = lits[0]!.length;
        first = 1;
      }
      if (!trail && last > first) {
        const l = lits[last - 1]!;
        if (!t.endsWith(l) || end - l.length < from) return false;
        end -= l.length;
        last--;
      }
      for (let i = first; i < last; i++) {
        const at = t.indexOf(lits[i]!, from);
        if (at < 0 || at + lits[i]!.length > end) return false;
        from = at + lits[i]!.length;
      }
      return true;
    },
  };
}
