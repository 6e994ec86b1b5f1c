import { isIP } from 'node:net';
import type { IntelIndex } from '../index.ts';
import { compile as compileRegex } from '../../rules/safe-regex.ts';
import { inferType, normalize, type Indicator, type IndicatorType } from '../indicator.ts';
import { OBSERVED_PATHS, hashKey, type ObservableView } from '../observables.ts';
import {
  parsePattern,
  pathKey,
  type Comparison,
  type Literal,
  type Observation,
  type ObjectPath,
} from './pattern.ts';

/**
 * Turn one STIX pattern into what the index can match:
 *  - the common case, an OR of equality tests on indexable properties, becomes exact index
 *    entries (hash sets, domain suffixes, CIDRs, …);
 *  - any other single observation becomes a predicate evaluated on each record's observable view;
 *  - patterns that relate several observations (AND / FOLLOWEDBY between them, WITHIN, REPEATS,
 *    START … STOP) cannot be decided on a single record and are rejected with that reason.
 */
export type Compiled =
  { readonly ok: true; readonly entries: number } | { readonly ok: false; readonly reason: string };

/** Object path → indicator type for equality tests the index can hold. */
function indexType(path: ObjectPath, value: string): IndicatorType | null {
  const k = pathKey(path);
  if (
    path.object === 'file' &&
    path.steps.length === 2 &&
    'key' in path.steps[0]! &&
    path.steps[0].key === 'hashes' &&
    'key' in path.steps[1]!
  ) {
    const h = hashKey(path.steps[1].key);
    return h === 'sha-256' ? 'sha256' : h === 'sha-1' ? 'sha1' : h === 'md5' ? 'md5' : null;
  }
  switch (k) {
    case 'file:name':
      return 'filename';
    case 'domain-name:value':
      return 'domain';
    case 'url:value':
      return 'url';
    case 'ipv4-addr:value':
    case 'ipv6-addr:value':
    case 'network-traffic:dst_ref.value':
    case 'network-traffic:src_ref.value':
      return value.includes('/')
        ? 'cidr'
        : isIP(value) === 4
          ? 'ipv4'
          : isIP(value) === 6
            ? 'ipv6'
            : inferType(value);
    case 'email-addr:value':
    case 'email-message:from_ref.value':
    case 'email-message:sender_ref.value':
      return 'email';
    case 'email-message:subject':
      return 'email-subject';
    case 'windows-registry-key:key':
      return 'registry-key';
    case 'user-account:account_login':
    case 'user-account:user_id':
      return 'user-account';
    case 'network-traffic:extensions.http-request-ext.request_header.user-agent':
      return 'user-agent';
    default:
      return null;
  }
}

function flattenOr(c: Comparison): Comparison[] {
  if (c.kind === 'or') return c.parts.flatMap(flattenOr);
  return [c];
}

function observations(o: Observation): Observation[] | string {
  if (o.qualifiers.length)
    return `the ${o.qualifiers.map((q) => q.kind.toUpperCase()).join('/')} qualifier relates observations over time`;
  if (o.kind === 'observation') return [o];
  if (o.kind === 'or') {
    const out: Observation[] = [];
    for (const p of o.parts) {
      const r = observations(p);
      if (typeof r === 'string') return r;
      out.push(...r);
    }
    return out;
  }
  return `${o.kind === 'and' ? 'AND' : 'FOLLOWEDBY'} between observation expressions needs several records`;
}

function paths(c: Comparison): ObjectPath[] {
  if (c.kind === 'test' || c.kind === 'exists') return [c.path];
  return c.parts.flatMap(paths);
}

export function compilePattern(
  pattern: string,
  base: Omit<Indicator, 'type' | 'value' | 'raw'>,
  index: IntelIndex,
): Compiled {
  let ast: Observation;
  try {
    ast = parsePattern(pattern);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const obs = observations(ast);
  if (typeof obs === 'string') return { ok: false, reason: `cannot be evaluated on a single record: ${obs}` };
  const staged: { kind: 'entry'; ind: Indicator }[] = [];
  const preds: { objects: Set<string>; comparison: Comparison }[] = [];
  for (const o of obs) {
    if (o.kind !== 'observation') continue;
    const tests = flattenOr(o.comparison);
    const simple = tests.every(
      (t) =>
        t.kind === 'test' &&
        !t.not &&
        (t.op === '=' || t.op === 'IN' || (t.op === 'ISSUBSET' && isAddrPath(t.path))),
    );
    if (simple) {
      let all = true;
      const entries: Indicator[] = [];
      for (const t of tests) {
        if (t.kind !== 'test') continue;
        for (const lit of Array.isArray(t.value) ? t.value : [t.value as Literal]) {
          if (lit.t !== 'string') {
            all = false;
            break;
          }
          const type = t.op === 'ISSUBSET' ? 'cidr' : indexType(t.path, lit.v);
          if (!type) {
            all = false;
            break;
          }
          const n = normalize(type, lit.v);
          if ('error' in n) return { ok: false, reason: `${t.path.text} = '${lit.v}': ${n.error}` };
          entries.push({ ...base, type, value: n.value, raw: lit.v });
        }
        if (!all) break;
      }
      if (all) {
        for (const ind of entries) staged.push({ kind: 'entry', ind });
        continue;
      }
    }
    const ps = paths(o.comparison);
    const unobserved = ps.filter((p) => !OBSERVED_PATHS.has(normalisedKey(p)));
    if (unobserved.length === ps.length) {
      return {
        ok: false,
        reason: `no Vigil reader observes ${[...new Set(unobserved.map((p) => p.text))].join(', ')}: the indicator could never match`,
      };
    }
    preds.push({ objects: new Set(ps.map((p) => p.object)), comparison: o.comparison });
  }
  for (const s of staged) index.add(s.ind);
  for (const p of preds) {
    const ind: Indicator = { ...base, type: 'stix-pattern', value: pattern, raw: pattern };
    index.addPredicate({
      indicator: { ...ind, note: ind.note ?? 'STIX pattern' },
      objects: p.objects,
      test: (view) => evaluate(p.comparison, view),
    });
  }
  return { ok: true, entries: staged.length + preds.length };
}

/** Hash steps are normalised (`'SHA-256'`, `SHA256` → `sha-256`) so views need one spelling. */
function normalisedKey(p: ObjectPath): string {
  const k = pathKey(p);
  return k
    .replace(/:hashes\.([^.[]+)/, (_m, h: string) => `:hashes.${hashKey(h) ?? h}`)
    .replace(/body_raw_ref\.hashes\.([^.[]+)/, (_m, h: string) => `body_raw_ref.hashes.${hashKey(h) ?? h}`);
}

function evaluate(c: Comparison, view: ObservableView): boolean {
  switch (c.kind) {
    case 'and':
      return c.parts.every((p) => evaluate(p, view));
    case 'or':
      return c.parts.some((p) => evaluate(p, view));
    case 'exists':
      return (view.get(normalisedKey(c.path)) !== undefined) !== c.not;
    case 'test': {
      const values = view.get(normalisedKey(c.path));
      if (!values) return false; // STIX: a comparison on a missing property is false, NOT included
      const hit = values.some((v) => test(c.op, v, c.value, normalisedKey(c.path).includes(':hashes.')));
      return hit !== c.not;
    }
  }
}

function test(op: string, v: string | number, lit: Literal | readonly Literal[], caseless: boolean): boolean {
  if (Array.isArray(lit)) return lit.some((l) => test('=', v, l, caseless));
  const l = lit as Literal;
  const lv = l.v;
  switch (op) {
    case '=':
      return caseless ? String(v).toLowerCase() === String(lv).toLowerCase() : String(v) === String(lv);
    case '!=':
      return String(v) !== String(lv);
    case '<':
      return Number(v) < Number(lv);
    case '<=':
      return Number(v) <= Number(lv);
    case '>':
      return Number(v) > Number(lv);
    case '>=':
      return Number(v) >= Number(lv);
    // LIKE and MATCHES run on the linear-time engine (rules/safe-regex.ts, which caches the
    // compiled patterns): the pattern is the feed's, the value the attacker's.
    case 'LIKE': {
      const src = String(lv);
      const re = compileRegex(
        `^${src
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '[\\s\\S]*')
          .replace(/_/g, '[\\s\\S]')}$`,
        's',
      );
      return re.test(String(v));
    }
    case 'MATCHES':
      return compileRegex(String(lv)).test(String(v));
    case 'ISSUBSET':
      return inCidr(String(v), String(lv));
    case 'ISSUPERSET':
      return inCidr(String(lv).split('/')[0]!, String(v));
    default:
      return false;
  }
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, b] = cidr.split('/');
  if (isIP(ip) !== 4 || isIP(net ?? '') !== 4) return false;
  const bits = b === undefined ? 32 : Number(b);
  const n = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const shift = 2 ** (32 - bits);
  return Math.floor(n(ip) / shift) === Math.floor(n(net!) / shift);
}

function isAddrPath(p: ObjectPath): boolean {
  return /^(ipv4|ipv6)-addr:value$/.test(pathKey(p));
}
