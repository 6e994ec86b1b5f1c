import { whyNot } from '../../rules/safe-regex.ts';
/**
 * A parser for the STIX 2.1 patterning language (STIX 2.1 §9): observation expressions joined
 * by AND / OR / FOLLOWEDBY with WITHIN, REPEATS and START…STOP qualifiers; comparison
 * expressions with =, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET, EXISTS and NOT;
 * object paths with quoted steps and list indexes; string, integer, float, boolean, binary (b''),
 * hex (h'') and timestamp (t'') literals. Errors name the column.
 */
export type Literal =
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'int' | 'float'; readonly v: number }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'binary' | 'hex' | 'timestamp'; readonly v: string };

export type PathStep = { readonly key: string } | { readonly index: number | '*' };
export interface ObjectPath {
  readonly object: string;
  readonly steps: readonly PathStep[];
  readonly text: string;
}

export type Operator =
  '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IN' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET';

export type Comparison =
  | {
      readonly kind: 'test';
      readonly path: ObjectPath;
      readonly op: Operator;
      readonly not: boolean;
      readonly value: Literal | readonly Literal[];
    }
  | { readonly kind: 'exists'; readonly path: ObjectPath; readonly not: boolean }
  | { readonly kind: 'and' | 'or'; readonly parts: readonly Comparison[] };

export type Qualifier =
  | { readonly kind: 'within'; readonly seconds: number }
  | { readonly kind: 'repeats'; readonly times: number }
  | { readonly kind: 'startstop'; readonly start: string; readonly stop: string };

export type Observation =
  | {
      readonly kind: 'observation';
      readonly comparison: Comparison;
      readonly qualifiers: readonly Qualifier[];
    }
  | {
      readonly kind: 'and' | 'or' | 'followedby';
      readonly parts: readonly Observation[];
      readonly qualifiers: readonly Qualifier[];
    };

export class PatternError extends Error {
  readonly column: number;
  constructor(message: string, column: number) {
    super(`pattern error at column ${column}: ${message}`);
    this.column = column;
  }
}

type Tok = {
  type: 'kw' | 'ident' | 'str' | 'num' | 'lit' | 'op' | 'punct' | 'eof';
  text: string;
  pos: number;
  value?: Literal;
};

const KEYWORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'FOLLOWEDBY',
  'LIKE',
  'MATCHES',
  'ISSUPERSET',
  'ISSUBSET',
  'EXISTS',
  'LAST',
  'IN',
  'START',
  'STOP',
  'SECONDS',
  'TIMES',
  'WITHIN',
  'REPEATS',
  'true',
  'false',
]);

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    const quoted = (prefix: string): string => {
      i += prefix.length + 1; // past prefix and opening quote
      let s = '';
      for (;;) {
        if (i >= src.length) throw new PatternError('unterminated string literal', start + 1);
        const ch = src[i]!;
        if (ch === '\\') {
          const n = src[i + 1];
          if (n !== '\\' && n !== "'")
            throw new PatternError(`invalid escape \\${n ?? ''} (only \\\\ and \\' are allowed)`, i + 1);
          s += n;
          i += 2;
          continue;
        }
        if (ch === "'") {
          i++;
          return s;
        }
        s += ch;
        i++;
      }
    };
    if (c === "'") {
      const v = quoted('');
      toks.push({ type: 'str', text: v, pos: start, value: { t: 'string', v } });
      continue;
    }
    if ((c === 't' || c === 'b' || c === 'h') && src[i + 1] === "'") {
      const v = quoted(c);
      const t = c === 't' ? 'timestamp' : c === 'b' ? 'binary' : 'hex';
      if (t === 'timestamp' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v))
        throw new PatternError(`invalid timestamp '${v}' (RFC 3339, UTC, ending in Z)`, start + 1);
      if (t === 'hex' && !/^([0-9a-fA-F]{2})*$/.test(v))
        throw new PatternError(`invalid hex literal '${v}'`, start + 1);
      if (t === 'binary' && !/^[A-Za-z0-9+/]*={0,2}$/.test(v))
        throw new PatternError(`invalid binary (base64) literal '${v}'`, start + 1);
      toks.push({ type: 'lit', text: v, pos: start, value: { t, v } });
      continue;
    }
    const num = /^[-+]?(?:\d+\.\d+|\d+)/.exec(src.slice(i));
    if (num && ((c !== '-' && c !== '+') || /[\d]/.test(src[i + 1] ?? ''))) {
      const isFloat = num[0].includes('.');
      toks.push({
        type: 'num',
        text: num[0],
        pos: start,
        value: { t: isFloat ? 'float' : 'int', v: Number(num[0]) },
      });
      i += num[0].length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '!=' || two === '<=' || two === '>=') {
      toks.push({ type: 'op', text: two, pos: start });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      toks.push({ type: 'op', text: c, pos: start });
      i++;
      continue;
    }
    if ('[]():.,*'.includes(c)) {
      toks.push({ type: 'punct', text: c, pos: start });
      i++;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (id) {
      toks.push({ type: KEYWORDS.has(id[0]) ? 'kw' : 'ident', text: id[0], pos: start });
      i += id[0].length;
      continue;
    }
    throw new PatternError(`unexpected character '${c}'`, start + 1);
  }
  toks.push({ type: 'eof', text: '', pos: src.length });
  return toks;
}

export function parsePattern(src: string): Observation {
  const toks = lex(src);
  let p = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p++]!;
  const isKw = (k: string) => peek().type === 'kw' && peek().text === k;
  const isPunct = (s: string) => peek().type === 'punct' && peek().text === s;
  const fail = (what: string): never => {
    const t = peek();
    throw new PatternError(
      `expected ${what}, found ${t.type === 'eof' ? 'end of pattern' : `'${t.text}'`}`,
      t.pos + 1,
    );
  };
  const expectPunct = (s: string) => {
    if (!isPunct(s)) fail(`'${s}'`);
    next();
  };

  function observations(): Observation {
    let left = obsOr();
    while (isKw('FOLLOWEDBY')) {
      next();
      left = join('followedby', left, obsOr());
    }
    return left;
  }
  function obsOr(): Observation {
    let left = obsAnd();
    while (isKw('OR')) {
      next();
      left = join('or', left, obsAnd());
    }
    return left;
  }
  function obsAnd(): Observation {
    let left = obsQualified();
    while (isKw('AND')) {
      next();
      left = join('and', left, obsQualified());
    }
    return left;
  }
  function join(kind: 'and' | 'or' | 'followedby', a: Observation, b: Observation): Observation {
    const parts = a.kind === kind && a.qualifiers.length === 0 ? [...a.parts, b] : [a, b];
    return { kind, parts, qualifiers: [] };
  }
  function obsQualified(): Observation {
    let o: Observation;
    if (isPunct('[')) {
      next();
      const comparison = compOr();
      expectPunct(']');
      o = { kind: 'observation', comparison, qualifiers: [] };
    } else if (isPunct('(')) {
      next();
      o = observations();
      expectPunct(')');
    } else return fail("'[' or '(' to start an observation expression");
    const qualifiers: Qualifier[] = [...o.qualifiers];
    for (;;) {
      if (isKw('WITHIN')) {
        next();
        const n = next();
        if (n.type !== 'num' || !(Number(n.text) > 0))
          throw new PatternError('WITHIN needs a positive number of seconds', n.pos + 1);
        if (!isKw('SECONDS')) fail('SECONDS');
        next();
        qualifiers.push({ kind: 'within', seconds: Number(n.text) });
      } else if (isKw('REPEATS')) {
        next();
        const n = next();
        if (n.type !== 'num' || !Number.isInteger(Number(n.text)) || Number(n.text) < 1)
          throw new PatternError('REPEATS needs a positive integer', n.pos + 1);
        if (!isKw('TIMES')) fail('TIMES');
        next();
        qualifiers.push({ kind: 'repeats', times: Number(n.text) });
      } else if (isKw('START')) {
        next();
        const a = next();
        if (a.value?.t !== 'timestamp')
          throw new PatternError("START needs a timestamp literal t'…'", a.pos + 1);
        if (!isKw('STOP')) fail('STOP');
        next();
        const b = next();
        if (b.value?.t !== 'timestamp')
          throw new PatternError("STOP needs a timestamp literal t'…'", b.pos + 1);
        qualifiers.push({ kind: 'startstop', start: a.text, stop: b.text });
      } else break;
    }
    return o.kind === 'observation' ? { ...o, qualifiers } : { ...o, qualifiers };
  }

  function compOr(): Comparison {
    const parts = [compAnd()];
    while (isKw('OR')) {
      next();
      parts.push(compAnd());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'or', parts };
  }
  function compAnd(): Comparison {
    const parts = [propTest()];
    while (isKw('AND')) {
      next();
      parts.push(propTest());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'and', parts };
  }
  function propTest(): Comparison {
    if (isPunct('(')) {
      next();
      const c = compOr();
      expectPunct(')');
      return c;
    }
    let not = false;
    if (isKw('NOT') && toks[p + 1]?.text === 'EXISTS') {
      next();
      not = true;
    }
    if (isKw('EXISTS')) {
      next();
      return { kind: 'exists', path: objectPath(), not };
    }
    const path = objectPath();
    if (isKw('NOT')) {
      next();
      not = true;
    }
    const t = next();
    if (t.type === 'op') return { kind: 'test', path, op: t.text as Operator, not, value: literal() };
    if (t.type === 'kw' && t.text === 'IN') return { kind: 'test', path, op: 'IN', not, value: set() };
    if (t.type === 'kw' && ['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(t.text)) {
      const v = literal();
      if (v.t !== 'string') throw new PatternError(`${t.text} needs a string`, t.pos + 1);
      if (t.text === 'MATCHES') {
        // Refused when the linear-time engine cannot run it (a backreference, a lookahead).
        const why = whyNot(v.v);
        if (why) throw new PatternError(why.startsWith('invalid') ? why : `MATCHES: ${why}`, t.pos + 1);
      }
      return { kind: 'test', path, op: t.text as Operator, not, value: v };
    }
    p--;
    return fail('a comparison operator (=, !=, <, >, <=, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)');
  }
  function literal(): Literal {
    const t = next();
    if (t.value) return t.value;
    if (t.type === 'kw' && (t.text === 'true' || t.text === 'false'))
      return { t: 'bool', v: t.text === 'true' };
    p--;
    return fail('a literal');
  }
  function set(): Literal[] {
    expectPunct('(');
    const out: Literal[] = [];
    if (isPunct(')')) {
      next();
      return out;
    }
    out.push(literal());
    while (isPunct(',')) {
      next();
      out.push(literal());
    }
    expectPunct(')');
    return out;
  }
  function objectPath(): ObjectPath {
    const start = peek().pos;
    const obj = next();
    if (obj.type !== 'ident') {
      p--;
      fail('an object type such as file or domain-name');
    }
    expectPunct(':');
    const steps: PathStep[] = [];
    const first = next();
    if (first.type === 'ident' || first.type === 'str' || first.type === 'kw')
      steps.push({ key: first.text });
    else {
      p--;
      fail('a property name');
    }
    for (;;) {
      if (isPunct('.')) {
        next();
        const k = next();
        if (k.type !== 'ident' && k.type !== 'str' && k.type !== 'kw') {
          p--;
          fail('a property name after "."');
        }
        steps.push({ key: k.text });
      } else if (isPunct('[')) {
        next();
        const k = next();
        if (k.type === 'punct' && k.text === '*') steps.push({ index: '*' });
        else if (k.type === 'num' && Number.isInteger(Number(k.text))) steps.push({ index: Number(k.text) });
        else {
          p--;
          fail("a list index or '*'");
        }
        expectPunct(']');
      } else break;
    }
    const text = `${obj.text}:${steps.map((s, i) => ('key' in s ? `${i ? '.' : ''}${/^[A-Za-z_][A-Za-z0-9_]*$/.test(s.key) ? s.key : `'${s.key}'`}` : `[${s.index}]`)).join('')}`;
    void start;
    return { object: obj.text, steps, text };
  }

  const result = observations();
  if (peek().type !== 'eof') fail('end of pattern');
  return result;
}

/** `file:hashes.'SHA-256'` → `file:hashes.sha-256`: the key views and indexes use. */
export function pathKey(path: ObjectPath): string {
  return `${path.object}:${path.steps.map((s, i) => ('key' in s ? `${i ? '.' : ''}${s.key.toLowerCase()}` : `[${s.index === '*' ? '*' : s.index}]`)).join('')}`;
}
