import { SigmaError, SigmaUnsupported, type Predicate } from './values.ts';

/**
 * Sigma conditions: search identifiers combined with `and`, `or`, `not` and parentheses
 * (precedence not > and > or), plus `1 of` / `all of` / `any of` over an identifier, a
 * wildcard pattern of identifiers, or `them` (every identifier not starting with `_`).
 * Aggregations after a pipe (`| count() > 5`) are the deprecated pre-correlation syntax and
 * are refused with that reason.
 */
export type Condition =
  | { readonly op: 'id'; readonly name: string }
  | { readonly op: 'not'; readonly arg: Condition }
  | { readonly op: 'and' | 'or'; readonly args: readonly Condition[] }
  | { readonly op: 'of'; readonly quantifier: 'any' | 'all'; readonly pattern: string };

const TOKEN = /\s*(\(|\)|[^\s()]+)/y;

export function parseCondition(text: string): Condition {
  if (text.includes('|'))
    throw new SigmaUnsupported(
      `aggregation in condition ('${text.trim()}') is not supported: use a correlation rule`,
    );
  const tokens: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) {
      if (text.slice(pos).trim()) throw new SigmaError(`condition: cannot read '${text.slice(pos)}'`);
      break;
    }
    tokens.push(m[1]!);
    pos = TOKEN.lastIndex;
  }
  let i = 0;
  const peek = () => tokens[i]?.toLowerCase();
  const fail = (what: string): never => {
    throw new SigmaError(`condition '${text.trim()}': ${what}`);
  };

  const primary = (): Condition => {
    const t = tokens[i];
    if (t === undefined) return fail('ends too early');
    if (t === '(') {
      i++;
      const inner = or();
      if (tokens[i] !== ')') fail('missing )');
      i++;
      return inner;
    }
    if (t === ')') fail('unexpected )');
    const lower = t.toLowerCase();
    if (
      (/^\d+$/.test(lower) || lower === 'all' || lower === 'any') &&
      tokens[i + 1]?.toLowerCase() === 'of'
    ) {
      const target = tokens[i + 2];
      if (target === undefined || target === '(' || target === ')')
        fail(`'${t} of' needs an identifier or them`);
      i += 3;
      if (/^\d+$/.test(lower) && lower !== '1')
        fail(`'${t} of' is not in the specification (only 1 of / all of)`);
      return { op: 'of', quantifier: lower === 'all' ? 'all' : 'any', pattern: target! };
    }
    if (['and', 'or', 'not', 'of'].includes(lower)) fail(`unexpected '${t}'`);
    i++;
    return { op: 'id', name: t };
  };
  const not = (): Condition => {
    if (peek() === 'not') {
      i++;
      return { op: 'not', arg: not() };
    }
    return primary();
  };
  const and = (): Condition => {
    const args = [not()];
    while (peek() === 'and') {
      i++;
      args.push(not());
    }
    return args.length === 1 ? args[0]! : { op: 'and', args };
  };
  const or = (): Condition => {
    const args = [and()];
    while (peek() === 'or') {
      i++;
      args.push(and());
    }
    return args.length === 1 ? args[0]! : { op: 'or', args };
  };
  const c = or();
  if (i < tokens.length) fail(`unexpected '${tokens[i]}'`);
  return c;
}

function globToRe(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

/** The identifiers a condition uses (after resolving `of` patterns), for checks and for explaining a match. */
export function resolveOf(pattern: string, names: readonly string[]): string[] {
  if (pattern === 'them') return names.filter((n) => !n.startsWith('_'));
  if (!pattern.includes('*')) return names.includes(pattern) ? [pattern] : [];
  const re = globToRe(pattern);
  return names.filter((n) => re.test(n));
}

/** Turns a condition into a predicate over the compiled search identifiers. */
export function compileCondition(c: Condition, searches: ReadonlyMap<string, Predicate>): Predicate {
  const names = [...searches.keys()];
  switch (c.op) {
    case 'id': {
      const p = searches.get(c.name);
      if (!p) throw new SigmaError(`condition uses '${c.name}', which the detection does not define`);
      return p;
    }
    case 'not': {
      const p = compileCondition(c.arg, searches);
      return (ev) => !p(ev);
    }
    case 'and': {
      const ps = c.args.map((a) => compileCondition(a, searches));
      return (ev) => {
        for (const p of ps) if (!p(ev)) return false;
        return true;
      };
    }
    case 'or': {
      const ps = c.args.map((a) => compileCondition(a, searches));
      return (ev) => {
        for (const p of ps) if (p(ev)) return true;
        return false;
      };
    }
    case 'of': {
      const matched = resolveOf(c.pattern, names);
      if (matched.length === 0)
        throw new SigmaError(
          `'${c.quantifier === 'all' ? 'all' : '1'} of ${c.pattern}' matches no search identifier`,
        );
      const ps = matched.map((n) => searches.get(n)!);
      return c.quantifier === 'all'
        ? (ev) => {
            for (const p of ps) if (!p(ev)) return false;
            return true;
          }
        : (ev) => {
            for (const p of ps) if (p(ev)) return true;
            return false;
          };
    }
  }
}
