import { RE2JS } from 're2js';

/**
 * Linear-time regular expressions for every pattern that comes from outside (Sigma `re`, feed
 * regexes, STIX `MATCHES`, wildcard values): V8's backtracking engine takes exponential time on
 * `^(a+)+$` against 34 `a`s and a `!`, and the rule's author is not the one who writes the string.
 * RE2JS (the pure JavaScript port of RE2) matches in time linear in the input whatever the
 * pattern, so the text an attacker controls cannot stall a scan. JavaScript and PCRE spellings
 * are translated; what no linear engine can run (backreferences, lookaheads) is refused with the
 * reason, and callers report it where the pattern was loaded.
 */
export interface SafeRegex {
  /** The pattern as written (before translation). */
  readonly source: string;
  /** The JavaScript-style flags it was compiled with (`i`, `m`, `s`). */
  readonly flags: string;
  /** Does the pattern match anywhere in `text`? */
  test(text: string): boolean;
  /** The first match with its groups (as `RegExp.exec` gives them), or null. */
  exec(text: string): RegExpMatchArray | null;
  /** Every match, left to right, not overlapping (as `String.matchAll` with the `g` flag). */
  matchAll(text: string): Iterable<RegExpMatchArray>;
}

/** A pattern that cannot be used: `unsupported` when it is valid but needs backtracking. */
export class RegexError extends Error {
  readonly unsupported: boolean;
  constructor(message: string, unsupported: boolean) {
    super(message);
    this.unsupported = unsupported;
  }
}

/** Longest pattern accepted (a feed line or a rule value, not a program). */
export const MAX_PATTERN = 8192;

/**
 * Compiles `pattern` with JavaScript-style `flags` (`i`, `m`, `s`; `u`, `g`, `y`, `d`, `v` are
 * accepted and mean nothing for a yes/no test). Throws RegexError.
 */
export function compile(pattern: string, flags = ''): SafeRegex {
  const key = `${flags}/${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const re = build(pattern, flags);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, re);
  return re;
}

/** Why a pattern cannot be used, or null when it compiles (for `--check` and `intel import`). */
export function whyNot(pattern: string, flags = ''): string | null {
  try {
    compile(pattern, flags);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

// Rule sets repeat the same patterns across rules; compiled ones are shared (RE2JS objects are
// immutable and hold their DFA cache, so sharing also shares the warm-up).
const CACHE_MAX = 20_000;
const cache = new Map<string, SafeRegex>();

function build(pattern: string, flags: string): SafeRegex {
  if (pattern.length > MAX_PATTERN)
    throw new RegexError(`regular expression longer than ${MAX_PATTERN} characters`, false);
  let bits = 0;
  for (const f of flags) {
    if (f === 'i') bits |= RE2JS.CASE_INSENSITIVE;
    else if (f === 'm') bits |= RE2JS.MULTILINE;
    else if (f === 's') bits |= RE2JS.DOTALL;
    else if (!'gyudv'.includes(f)) throw new RegexError(`unknown regular expression flag '${f}'`, false);
  }
  const src = re2Syntax(pattern);
  let re: RE2JS;
  try {
    re = RE2JS.compile(src, bits | RE2JS.LOOKBEHINDS);
  } catch (e) {
    const msg = (e as Error).message.replace(/^error parsing regexp: /, '');
    // RE2 names PCRE-only constructs (atomic groups, possessive quantifiers) "unsupported".
    throw new RegexError(`invalid regular expression: ${msg}`, /unsupported|nested repetition/.test(msg));
  }
  return {
    source: pattern,
    flags,
    test: (text) => re.test(text),
    exec: (text) => re.exec(text) as RegExpMatchArray | null,
    matchAll: (text) => re.matchAll(text),
  };
}

/**
 * JavaScript / PCRE syntax → RE2 syntax (exported for the engine benchmark). RE2 reads `(?i)`, `(?P<n>…)`, `\x{…}` and lookbehinds
 * (RE2JS runs captureless ones in linear time) itself; backreferences and lookaheads need
 * backtracking and are refused rather than silently changed in meaning.
 */
export function re2Syntax(p: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) throw new RegexError('invalid regular expression: trailing backslash', false);
      if (!inClass) {
        if (n >= '1' && n <= '9')
          throw new RegexError(`backreference \\${n} needs a backtracking engine (not run)`, true);
        if (n === 'k' && p[i + 2] === '<')
          throw new RegexError('named backreference \\k<…> needs a backtracking engine (not run)', true);
        // PCRE's end of text or before a final newline; for a yes/no test the same as `\n?\z`.
        if (n === 'Z') {
          out += '(?:\\n?\\z)';
          i++;
          continue;
        }
      }
      out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      // `[]…]` and `[^]…]`: a leading `]` is a literal in PCRE (JavaScript's `[^]` is handled by translateRegExp).
    } else if (c === '(' && p[i + 1] === '?') {
      const q = p.slice(i + 2, i + 4);
      if (q[0] === '=' || q[0] === '!')
        throw new RegexError('lookahead (?= / (?! needs a backtracking engine (not run)', true);
      if (q[0] === '>') throw new RegexError('atomic group (?> is PCRE-only (not run)', true);
      const inline = /^\(\?([a-zA-Z]*)(?:-[a-zA-Z]*)?[:)]/.exec(p.slice(i, i + 16));
      if (inline && /x/.test(inline[0]))
        throw new RegexError('extended mode (?x) is not supported (write the pattern without it)', true);
    }
    out += c;
  }
  try {
    return RE2JS.translateRegExp(out);
  } catch (e) {
    throw new RegexError(`invalid regular expression: ${(e as Error).message}`, false);
  }
}

/**
 * Literals of which every match of `pattern` contains at least one (one per top-level
 * alternative), or null when some alternative has none. Pre-filters search these with V8's
 * literal search — linear, and many times faster over a whole chunk — instead of the regex: a
 * feed's regex never runs on V8's backtracking engine, not even as a pre-filter.
 */
export function necessaryLiterals(pattern: string): string[] | null {
  const out: string[] = [];
  for (const alt of topLevelAlternatives(pattern)) {
    const lit = longestLiteral(alt);
    if (!lit) return null;
    out.push(lit);
  }
  return out;
}

function topLevelAlternatives(src: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') {
      inClass = true;
      if (src[i + 1] === '^') i++;
      if (src[i + 1] === ']') i++;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(src.slice(start, i));
      start = i + 1;
    }
  }
  out.push(src.slice(start));
  return out;
}

/** The longest run of plain characters that every match of a sequence (no top-level `|`) holds. */
function longestLiteral(s: string): string {
  let best = '';
  let run = '';
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < s.length;) {
    const c = s[i]!;
    let lit: string | null = null;
    let next = i + 1;
    if (c === '\\') {
      const n = s[i + 1] ?? '';
      next = i + 2;
      // Escaped punctuation is itself; escapes of letters and digits are classes, anchors or codes.
      if (n && !/[0-9A-Za-z]/.test(n)) lit = n;
    } else if (c === '[') {
      let j = i + 1;
      if (s[j] === '^') j++;
      if (s[j] === ']') j++;
      while (j < s.length && s[j] !== ']') j += s[j] === '\\' ? 2 : 1;
      next = j + 1;
    } else if (c === '(') {
      let depth = 0;
      let j = i;
      for (; j < s.length; j++) {
        if (s[j] === '\\') j++;
        else if (s[j] === '[') {
          j++;
          if (s[j] === '^') j++;
          if (s[j] === ']') j++;
          while (j < s.length && s[j] !== ']') j += s[j] === '\\' ? 2 : 1;
        } else if (s[j] === '(') depth++;
        else if (s[j] === ')' && --depth === 0) break;
      }
      next = j + 1;
    } else if (!'.^$|)*+?{}'.includes(c)) lit = c;
    // A quantifier after the atom: optional ones drop it, `+` / `{n,…}` keep one copy, and the run ends.
    const q = s[next];
    const optional = q === '?' || q === '*' || (q === '{' && /^\{(0|,)/.test(s.slice(next)));
    const quantified = optional || q === '+' || (q === '{' && /^\{\d+(,\d*)?\}/.test(s.slice(next)));
    if (lit !== null && !optional) run += lit;
    if (lit === null || quantified) end();
    if (quantified) {
      next++;
      if (q === '{') next = s.indexOf('}', next) + 1;
      if (s[next] === '?' || s[next] === '+') next++;
    }
    i = next;
  }
  end();
  return best;
}
